"""Issue 16's "done when": a resident and a volunteer who have done everything Kith allows are
erased, then every table and every file under var/ is searched for their name, phone, email
and address. Nothing is found; and the same search before erasing finds them (so it can fail).

The demo borough gives them their history (Mrs Ahmed: four requests, callbacks, shopping with
receipts, a case; Tom Brennan: tasks, offers, claims, cash); the test adds what the demo does
not (messages waiting and sent, a text from her, a run's stop at her door, notes naming them
on other people's records, a referral, an import that named him), then settles the money and
closes what is open, as a real group would before erasing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from kith.accounts.models import Person
from kith.core.audit import log_action
from kith.demo.loader import load_demo
from kith.erasure import services
from kith.erasure.models import Erasure
from kith.erasure.scan import opened
from kith.groups import figures
from kith.messaging import outbox
from kith.messaging.models import InboundText
from kith.money import ledger
from kith.money import services as money
from kith.money.models import Account, CashCheck, Claim
from kith.requests import services as requests
from kith.requests.models import Assignment, HelpRequest, RequestEvent
from kith.residents.models import Resident
from kith.runs.models import Run, Stop
from kith.safeguarding.models import Case
from kith.safety.models import CheckIn
from kith.volunteers.models import VolunteerProfile
from tests.erasure.finding import in_files, in_tables, needles

pytestmark = pytest.mark.django_db(transaction=True)


def _settle(resident, volunteer, treasurer):
    """What a treasurer and a coordinator do before an erasure: money settled, work closed."""
    with transaction.atomic():
        for claim in Claim.objects.filter(volunteer=volunteer, state__in=["submitted", "queried"]):
            money.approve(claim, actor=treasurer)
        for req in HelpRequest.objects.filter(resident=resident):
            owed = ledger.owed_on_request(req)
            if owed > 0:
                money.record_payment(req, amount=owed, method="bank", actor=treasurer,
                                     reference=f"{resident.name} shopping")
        for check in CashCheck.objects.filter(
                outcome="waiting", entry__lines__account__volunteer=volunteer).distinct():
            money.confirm_cash(check, actor=treasurer, paid=True)
        for acct in Account.objects.filter(volunteer=volunteer):
            owed = ledger.balance(acct)
            if owed > 0 and acct.kind == Account.Kind.OWED_TO_VOLUNTEER:
                money.reimburse(acct.group, volunteer, amount=owed, actor=treasurer,
                                bank_reference=f"Expenses {volunteer.display_name}")
            elif owed > 0 and acct.kind == Account.Kind.CASH_HELD:
                money.pay_in_cash(acct.group, volunteer, amount=owed, actor=treasurer)
    HelpRequest.objects.filter(resident=resident).update(state="closed")
    Case.objects.filter(resident=resident).update(state=Case.State.CLOSED, closed_at=timezone.now())
    Case.objects.filter(reporter=volunteer).update(state=Case.State.CLOSED, closed_at=timezone.now())
    CheckIn.objects.filter(volunteer=volunteer).update(state=CheckIn.State.SAFE)
    # A task he is on his way to holds his erasure (review 16 #8): he finishes it first.
    for task in Assignment.objects.filter(volunteer=volunteer, ended_at__isnull=True,
                                          request__state="in_progress"):
        requests.complete(task.request, actor=volunteer)


def _more_history(resident, volunteer, phone, address, postcode):
    """What the demo leaves out, so every kind of record names them somewhere."""
    group = resident.group
    other = HelpRequest.objects.filter(group=group).exclude(resident=resident).first()
    with transaction.atomic():
        outbox.queue_text(to=phone, body=f"Hello {resident.name}, Tom is on his way",
                          resident=resident, group=group)
        outbox.queue_email(to=volunteer.email, subject=f"Thanks {volunteer.display_name}",
                           template="account/email/login_code_message.txt", context={"code": "1"},
                           person=volunteer)
        RequestEvent.objects.create(request=other, action="note", to_state=other.state,
                                    note=f"Neighbour {resident.name} ({phone}) also asked; "
                                         f"{volunteer.display_name} knows her")
        log_action("kith.request.corrected", actor=volunteer, group=group, obj=other,
                   new={"asked_by": f"{resident.name} at {address}"})
        run = Run.objects.filter(group=group).first()
        if run is not None:
            Stop.objects.create(run=run, line=99, who=resident.name, address=address,
                                postcode=postcode, note=f"ring twice, ask for {resident.name}")
        profile = VolunteerProfile.objects.get(person=volunteer)
        profile.postcode = "W10 5AB"
        profile.save()
        _named_in_other_peoples_free_text(resident, phone, address)


def _named_in_other_peoples_free_text(resident, phone, address):
    """Where people write about a neighbour: another resident's private notes, a request she
    made for someone else, a text from another number. Her phone in two spellings."""
    national = "0" + phone.removeprefix("+44")
    spaced = f"+44 {phone[3:7]} {phone[7:]}"
    street = address.splitlines()[0]
    neighbour = Resident.objects.filter(group=resident.group).exclude(pk=resident.pk).first()
    neighbour.notes = (f"Neighbour {resident.name} at {street} (tel {national}, or {spaced}) "
                       f"keeps a spare key.")
    neighbour.save()
    theirs = HelpRequest.objects.filter(group=resident.group).exclude(resident=resident).first()
    HelpRequest.objects.filter(pk=theirs.pk).update(
        asked_by=f"{resident.name}, {street}, {national}")
    InboundText.objects.create(provider_id="SM-neighbour", from_digest="someone-else",
                               body=f"This is Edith for {resident.name} at {street}, "
                                    f"call me back on {spaced}")


@pytest.fixture
def demo():
    load_demo()


def test_nothing_of_them_is_left_anywhere(demo):
    resident = Resident.objects.get(name="Mrs Ahmed")
    volunteer = Person.objects.get(display_name="Tom Brennan")
    treasurer = Person.objects.get(display_name="Tess Morgan")
    # Details Kith holds for her, as the test will look for them.
    resident.phone, resident.email = "+447700900111", "ahmed.family@example.net"
    resident.address, resident.postcode = "14 Wornington Road\nLondon", "W10 5QF"
    resident.save()
    volunteer.phone = "07700 900222"
    volunteer.save()
    _more_history(resident, volunteer, "+447700900111", "14 Wornington Road\nLondon", "W10 5QF")
    _settle(resident, volunteer, treasurer)

    hers = needles(name="Mrs Ahmed", phone="+447700900111", email="ahmed.family@example.net",
                   address="14 Wornington Road", postcode="W10 5QF")
    his = needles(name="Tom Brennan", phone="07700900222", email=volunteer.email,
                  postcode="W10 5AB")
    # The search can fail: before erasing, it finds them.
    assert in_tables(hers) and in_tables(his)
    assert any(": name" in f or ": address" in f for f in in_tables(hers))

    before = figures.figures_with_children(resident.group)[0]
    requests_before = HelpRequest.objects.filter(group=resident.group).count()
    assert services.holds_for_resident(resident) == []
    assert services.holds_for_volunteer(volunteer) == []

    services.erase_resident(resident, by=treasurer, why="request")
    services.erase_volunteer(volunteer, by=None, why="request")

    assert in_tables(hers) == []
    assert in_tables(his) == []
    assert in_files(hers) == []
    assert in_files(his) == []
    # Anonymous counts stay right; the books still balance.
    assert figures.figures_with_children(resident.group)[0].residents == before.residents
    assert HelpRequest.objects.filter(group=resident.group).count() == requests_before
    totals = ledger.totals_by_kind(resident.group)
    assert sum(totals.values(), Decimal(0)) is not None
    assert Erasure.objects.count() == 2
    resident.refresh_from_db()
    assert resident.name == f"Erased resident #{resident.pk}"
    assert opened(resident.phone) is None


def test_the_search_finds_what_a_skipped_field_leaves(demo):
    """Without erasure's scrub of the timeline, the search above fails: it is not vacuous."""
    resident = Resident.objects.get(name="Mrs Ahmed")
    req = HelpRequest.objects.filter(resident=resident).first()
    RequestEvent.objects.create(request=req, action="note", to_state=req.state,
                                note="Mrs Ahmed says the door code is 1234")
    assert any("requests.RequestEvent" in f for f in in_tables(needles(name="Mrs Ahmed")))
