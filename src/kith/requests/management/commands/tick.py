import time

from django.core.management.base import BaseCommand

from kith.requests.sweeps import tick


class Command(BaseCommand):
    help = ("Reminders, returns to matching, missed check-ups, check-in calls and regular help. "
            "Run every few minutes (cron or a systemd timer); safe to run twice.")

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0,
                            help="Keep running, once every this many seconds (for the demo).")
        parser.add_argument("--times", type=int, default=0,
                            help="With --every: stop after this many runs (0: until stopped).")

    def handle(self, *args, every: int, times: int, **options):
        runs = 0
        while True:
            done = tick()
            self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in done.items()))
            runs += 1
            if not every or (times and runs >= times):
                return
            time.sleep(every)
