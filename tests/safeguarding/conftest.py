"""Safeguarding's people: Lena leads safeguarding in Golborne Road; Wanda leads it for the
whole of Golborne ward (above the street)."""

from __future__ import annotations

import pytest

from tests.factories import MembershipFactory, PersonFactory


@pytest.fixture
def wanda(ward):
    person = PersonFactory(email="wanda@example.org", display_name="Wanda Price")
    MembershipFactory(person=person, group=ward, is_safeguarding_lead=True)
    return person


@pytest.fixture
def ward_coordinator(ward):
    person = PersonFactory(email="wendy@example.org", display_name="Wendy Clarke")
    MembershipFactory(person=person, group=ward, is_coordinator=True)
    return person


PUBLIC_REPORT = {"kind": "abuse_resident", "urgency": "now",
                 "what_happened": "The man who brought my shopping shouted at me.",
                 "victim_consent": "not_asked", "victim": "", "contact": ""}


def report_case(group, **changes):
    from kith.safeguarding import services
    from kith.safeguarding.models import Case

    fields = {"kind": Case.Kind.SAFETY_RISK, "urgency": Case.Urgency.SOON,
              "what_happened": "A loose paving stone by the door of number 14.",
              "source": Case.Source.MEMBER, **changes}
    return services.report_incident(group, services.Report(**fields))
