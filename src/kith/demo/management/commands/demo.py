from django.core.management.base import BaseCommand

from kith.demo import data
from kith.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the demo borough (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options):
        for line in load_demo():
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS("Demo borough ready. Sign in as:"))
        for local, _name, _joins, _superuser in data.PERSONAS:
            self.stdout.write(
                f"  {local + '@' + data.EMAIL_DOMAIN:<26} password {data.DEMO_PASSWORD}   "
                f"{data.PERSONA_NOTES[local]}"
            )
        self.stdout.write("  Or sign in with a code: the email lands in the demo mailbox "
                          "(link at the top of every page).")
