"""Settings for the load test's server (bench/load_site.py): Kith's own, production-like, with
one more address, the bare view (bench/load_urls.py). Never used by the installed package."""

from kith.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
