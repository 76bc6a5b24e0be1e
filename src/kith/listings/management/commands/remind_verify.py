"""`kith remind-verify`: ask coordinators to check listings nobody has confirmed for 90 days.

Run it daily from cron. Each group is reminded at most once every 30 days.
"""

from django.core.management.base import BaseCommand

from kith.listings.services import send_verification_reminders


class Command(BaseCommand):
    help = ("Email the coordinators of every group whose public listing was last checked more "
            "than 90 days ago (at most once per 30 days per group).")

    def handle(self, *args, **options):
        sent, groups = send_verification_reminders()
        self.stdout.write(self.style.SUCCESS(
            f"Sent {sent} reminder{'s' if sent != 1 else ''} to the coordinators of "
            f"{groups} group{'s' if groups != 1 else ''}."
        ))
