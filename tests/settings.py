"""Test settings: Kith's own, with a throwaway var/ and fast hashing."""

import os
import tempfile

os.environ.setdefault("KITH_VAR_DIR", tempfile.mkdtemp(prefix="kith-test-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from kith.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test process its own cache, unless a test starts servers that share a Redis
# (tests/test_many_servers.py).
if not CACHE_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
KITH_FIELD_KEYS = ["YCBLeYKIZmyjkOUOqIHHG5o70VJylzRiC2G4XvE7Rfc="]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# The postcode index takes a few seconds to build; share one across test runs on this machine.
KITH_PLACES_CACHE = Path(tempfile.gettempdir()) / "kith-test-places"  # noqa: F405
KITH_MAP_TILES = "/map/blank/{z}/{x}/{y}.png"  # no test touches the network
KITH_DIGEST_KEY = "test-digest-key-not-for-production"
KITH_SMS_BACKEND = "memory"
# No default quiet hours, so a test's texts do not wait when it happens to run at night; the
# quiet-hours tests set them (tests/messaging/test_channels.py).
KITH_QUIET_HOURS = ""
# Messages are sent as their transaction commits, in the test's own thread, so tests read
# mail.outbox as before; the fault tests and browser journeys switch to the database backend
# and a real `kith worker` (tests/messaging/conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                     "QUEUES": TASK_QUEUES}}  # noqa: F405
KITH_LOCAL_DELIVERY = True  # tests read texts from sms.outbox
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file in the throwaway var/, not SQLite's shared in-memory database: threads then meet the
    # locking that gunicorn's workers and `kith import` meet (WAL, the busy timeout, immediate
    # transactions from settings.py), which the in-memory database does not have.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# Erasures made by any test go to a log outside var/, so no backup a test makes carries another
# test's erasures (tests/erasure gives each of its tests a log of its own).
KITH_ERASURE_LOG = Path(tempfile.mkdtemp(prefix="kith-test-erasures-")) / "erasure-log.jsonl"  # noqa: F405
