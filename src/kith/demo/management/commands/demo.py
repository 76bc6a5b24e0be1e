from django.core.management.base import BaseCommand

from kith.core.phones import display_phone
from kith.demo import data
from kith.demo.loader import load_demo
from kith.demo.runs import COORDINATOR as RUN_COORDINATOR


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
        rosa = f"{RUN_COORDINATOR[0]}@{data.EMAIL_DOMAIN}"
        self.stdout.write(f"  {rosa:<26} password {data.DEMO_PASSWORD}   "
                          "coordinator of East Barnet: a pharmacy run to split")
        name, mobile = data.PHONE_ONLY_VOLUNTEER
        self.stdout.write(f"  {display_phone(mobile):<26} (no email)            {name}, a "
                          "volunteer who signs in with a code by text")
        self.stdout.write("  Or sign in with a code: the email lands in the demo mailbox "
                          "(link at the top of every page).")
