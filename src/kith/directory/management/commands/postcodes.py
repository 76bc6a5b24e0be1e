from django.conf import settings
from django.core.management.base import BaseCommand

from kith.places.index import ATTRIBUTION, PostcodeIndex


class Command(BaseCommand):
    help = "Build the offline postcode index under var/ (once; later runs just load it)."

    def handle(self, *args, **options):
        index = PostcodeIndex.load(settings.KITH_PLACES_CACHE, progress=True)
        self.stdout.write(f"{len(index):,} postcodes ready in {settings.KITH_PLACES_CACHE}")
        self.stdout.write(ATTRIBUTION)
