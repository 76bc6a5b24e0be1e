"""The today page's lines for volunteers out on tasks (groups/today.py draws them for those
who hold safety.check_ins): who asked for help, missed check-ins, and who is out now."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext

from kith.safety.models import CheckIn, Collection


def check_in_items(group, now) -> list[tuple[str, str, int, str, bool]]:
    """(key, words, count, link, urgent) for groups.today.Item; counts only, no names."""
    live = CheckIn.objects.filter(group=group).exclude(state=CheckIn.State.SAFE)
    help_now = live.filter(state=CheckIn.State.HELP).count()
    missed = live.filter(state=CheckIn.State.OPEN, due_at__lt=now).count()
    out = live.filter(state=CheckIn.State.OPEN, due_at__gte=now).count()
    link = reverse("safety:check_ins", args=[group.slug])
    # A bag picked up and never said to be handed over: someone must ask where it is.
    stranded = Collection.objects.filter(group=group, collected_at__isnull=False,
                                         handed_over_at__isnull=True).count()
    prescriptions = reverse("requests:list", args=[group.slug]) + "?service=prescriptions"
    return [
        ("check_in_help", ngettext("volunteer asked for help now",
                                   "volunteers asked for help now", help_now),
         help_now, link, True),
        ("check_ins_missed", ngettext("volunteer missed their safety check-in",
                                      "volunteers missed their safety check-in", missed),
         missed, link, True),
        ("check_ins_open", ngettext("volunteer out on a task now",
                                    "volunteers out on a task now", out),
         out, link, False),
        ("prescriptions_not_handed_over",
         ngettext("prescription collected, not yet handed over",
                  "prescriptions collected, not yet handed over", stranded),
         stranded, prescriptions, True),
    ]
