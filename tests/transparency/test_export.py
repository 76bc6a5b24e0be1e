"""The copy holds every category of data and every access row for the person, and no one
else's."""

from __future__ import annotations

import json

import pytest

from kith.core.mail import send_templated
from kith.core.privacy import reveal
from kith.residents.models import Resident
from kith.transparency.catalogue import PERSON, RESIDENT
from kith.transparency.export import build
from tests.conftest import enable_totp

pytestmark = pytest.mark.django_db


def _section(document, key):
    (section,) = [s for s in document["sections"] if s["key"] == key]
    return section["rows"]


def _text(document) -> str:
    return json.dumps(document, ensure_ascii=False)


def test_a_residents_copy_holds_every_category_and_every_look(world, sam, other_street):
    priya, mrs_ahmed = world.people["coordinator"], world.resident
    Resident.objects.filter(pk=mrs_ahmed.pk).update(phone=None)
    mrs_ahmed.refresh_from_db()
    mrs_ahmed.phone, mrs_ahmed.address = "020 7946 0123", "14 Golborne Road"
    mrs_ahmed.save()
    enable_totp(priya)
    reveal(mrs_ahmed, "phone", viewer=priya, group=world.membership.group, reason="look one")
    req = world.callback.request
    req.details = "Bread and milk, please"
    req.save(update_fields=["details"])
    reveal(req, "details", viewer=priya, group=world.membership.group, reason="look two")
    someone_else = Resident.objects.create(group=world.membership.group, name="Mr Other",
                                           phone="020 7946 0999")
    reveal(someone_else, "phone", viewer=priya, group=world.membership.group, reason="not hers")
    send_templated(to="a@example.org", subject="Hello", template="requests/email/status_code.txt",
                   context={"code": "1", "req": req}, resident=mrs_ahmed, group=req.group)

    document = build(mrs_ahmed, RESIDENT).document

    for key in ("resident", "requests", "timeline", "regular_help", "callbacks", "helpers",
                "referrals", "claims", "receipts", "money_lines", "accounts", "messages"):
        assert _section(document, key), key
    text = _text(document)
    assert "020 7946 0123" in text and "14 Golborne Road" in text  # sealed details, opened
    assert {look["why"] for look in document["access_log"]} >= {"look one", "look two"}
    assert "not hers" not in text and "Mr Other" not in text
    assert "Tom" in text and "Brennan" not in text  # volunteers by first name only


def test_a_volunteers_copy_holds_every_category_and_every_look(world):
    from kith.safeguarding import services
    from kith.safeguarding.models import Case
    from kith.transparency import consents

    tom, priya = world.people["volunteer"], world.people["coordinator"]
    enable_totp(priya)
    tom.phone = "07700 900123"
    tom.save()
    reveal(tom, "phone", viewer=priya, group=world.membership.group, reason="calling Tom",
           permission="volunteers.contact")
    services.report_incident(world.membership.group, services.Report(
        kind=Case.Kind.SAFETY_RISK, urgency=Case.Urgency.SOON, what_happened="Tom's own report",
        source=Case.Source.MEMBER, named=tom))
    consents.withdraw_messages("reminders", person=tom, acting_user=tom)

    document = build(tom, PERSON).document

    for key in ("account", "volunteer_profile", "memberships", "vetting", "consents",
                "withdrawals", "offers", "tasks", "routes", "claims", "receipts",
                "money_lines", "reports_made", "match_cards"):
        assert _section(document, key), key
    text = _text(document)
    assert "07700 900123" in text and "Tom's own report" in text
    assert "A loose step" not in text  # a report someone else made (anonymously) is not his
    assert [look["why"] for look in document["access_log"]] == ["calling Tom"]


def test_a_volunteers_copy_lists_looks_at_him_not_at_the_residents_he_helps(world):
    """Finding 5: Tom is Mrs Ahmed's regular volunteer, so her series and request are in his
    copy; Priya's looks at them (with her reasons) are Mrs Ahmed's business, not his."""
    tom, priya, group = world.people["volunteer"], world.people["coordinator"], world.series.group
    enable_totp(priya)
    world.series.volunteer = tom
    world.series.details = "Her usual shop"
    world.series.save(update_fields=["volunteer", "details"])
    req = world.callback.request
    req.details = "Bread and milk, please"
    req.save(update_fields=["details"])
    reveal(world.series, "details", viewer=priya, group=group, reason="calling about her fall")
    reveal(req, "details", viewer=priya, group=group, reason="she asked for a copy")
    tom.phone = "07700 900123"
    tom.save()
    reveal(tom, "phone", viewer=priya, group=group, reason="calling Tom",
           permission="volunteers.contact")

    toms = build(tom, PERSON).document
    hers = build(world.resident, RESIDENT).document

    assert _section(toms, "regular_visits") and _section(toms, "tasks")  # her records are there
    assert [look["why"] for look in toms["access_log"]] == ["calling Tom"]
    assert {"calling about her fall", "she asked for a copy"} <= {
        look["why"] for look in hers["access_log"]}
