"""The demo borough's safeguarding cases, on top of those the demo's escalated requests open:
an anonymous report from the public form in Golborne Road (which has no lead of its own, so
it goes up to the borough's lead, Dev), and a data breach with its 72-hour clock running and
an action on it. Found by what they say first, so loading again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kith.safeguarding import services
from kith.safeguarding.models import Case

REPORTS = [
    {"kind": Case.Kind.ABUSE_OF_VOLUNTEER, "urgency": Case.Urgency.SOON,
     "source": Case.Source.PUBLIC, "hours_ago": 3,
     "what_happened": "I saw a resident on Golborne Road shout at the young volunteer who "
                      "brought his shopping, and push the bags back at her. She looked shaken."},
    {"kind": Case.Kind.DATA_BREACH, "urgency": Case.Urgency.NOW,
     "source": Case.Source.MEMBER, "hours_ago": 20,
     "what_happened": "A printed route sheet with four residents' addresses was left on the "
                      "bus. It has not been found."},
]


def load_cases(ctx) -> str:
    street = ctx.groups["golborne-road"]
    dev = ctx.people["dev"]
    for spec in REPORTS:
        if Case.objects.filter(group=street, kind=spec["kind"], source=spec["source"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k != "hours_ago"}
        case = services.report_incident(street, services.Report(**fields))
        Case.objects.filter(pk=case.pk).update(
            opened_at=timezone.now() - timedelta(hours=spec["hours_ago"]))
        if case.kind == Case.Kind.DATA_BREACH:
            case.refresh_from_db()
            services.triage(case, actor=dev, kind=case.kind, urgency=case.urgency, risk="high",
                            triage_note="Tell the four residents; decide on the ICO today.")
            services.add_action(case, actor=dev, what="Ring the bus company's lost property",
                                owner=dev, due_on=timezone.localdate())
    return f"{Case.objects.count()} safeguarding cases"
