"""Review m's money findings (issue 14), each pinned: a treasurer's question and a rejection
reach the volunteer (M1, M2); a claim sent twice is refused and the resident is told what is
still being checked (M3); a far month's CSV is a 400 (M4); a later pay-back date is bounded
and shows its year (M5); the hardship cover is named as a coordinator's to undo (M6); a task
given back takes no new spending (M7); a change of bank details is told (M8); a limit below
what is spent is refused (nit)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kith.money import services
from kith.money.ledger import MoneyError
from kith.money.models import Claim, JournalEntry, MoneySettings, PaymentPlan
from kith.requests import services as request_services
from tests.factories import MembershipFactory, PersonFactory
from tests.money.conftest import receipt_upload, spent_at

pytestmark = pytest.mark.django_db


def _claim(req, volunteer, amount="10.55", colour=(200, 180, 160)) -> Claim:
    return services.record_claim(req, volunteer=volunteer, shop="Tesco", spent_at=spent_at(),
                                 lines=[("Soup and bread", Decimal(amount))],
                                 upload=receipt_upload(colour))


def _task_url(req) -> str:
    return reverse("money:task", args=[req.group.slug, req.reference])


def _spend(client, req, **changes):
    data = {"action": "spend", "spend-shop": "Tesco Express", "spend-spent_at": "2026-12-03T11:05",
            "spend-item_1": "Bread, milk, eggs", "spend-price_1": "£4.65",
            "spend-goods_only": "on", "spend-receipt": receipt_upload()}
    data.update(changes)
    return client.post(_task_url(req), data)


def _done(req, volunteer):
    request_services.start(req, actor=volunteer)
    request_services.complete(req, actor=volunteer)


# --- M1: a treasurer's question reaches the volunteer, who answers even on a done task ------

def test_a_question_reaches_the_volunteer_and_the_answer_goes_back(
        client, shopping, tom, tess, mailoutbox, django_capture_on_commit_callbacks):
    claim = _claim(shopping, tom)
    _done(shopping, tom)  # done: no longer in "My tasks"
    client.force_login(tess)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("money:claim", args=[shopping.group.slug, claim.pk]),
                               {"action": "query", "text": "Is the soup for Albert?"})
    assert response.status_code == 302
    told = [m for m in mailoutbox if m.to == ["tom@example.org"]]
    assert len(told) == 1 and shopping.reference in told[0].subject
    assert _task_url(shopping) in told[0].body
    assert "Albert" not in told[0].body  # the question stays on the page

    client.force_login(tom)
    home = client.get(reverse("volunteers:home")).content.decode()
    assert "The treasurer has a question" in home and _task_url(shopping) in home
    page = client.get(_task_url(shopping)).content.decode()
    assert "Is the soup for Albert?" in page and "Send my answer" in page
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_task_url(shopping), {"action": "answer", "claim": claim.pk,
                                                     "answer-answer": "Yes, his usual soup"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED and claim.answer == "Yes, his usual soup"
    assert [m.to for m in mailoutbox] == [["tess@example.org"]]
    client.force_login(tess)
    queue = client.get(reverse("money:queue", args=[shopping.group.slug])).content.decode()
    assert "The volunteer answered" in queue
    client.force_login(tom)
    assert "The treasurer has a question" not in client.get(
        reverse("volunteers:home")).content.decode()


def test_on_a_break_the_question_is_listed_without_a_dead_link(client, shopping, tom, tess):
    from kith.volunteers import services as volunteer_services
    from kith.volunteers.models import VolunteerProfile

    claim = _claim(shopping, tom)
    with transaction.atomic():
        services.query(claim, actor=tess, question="Which shop?")
    volunteer_services.take_break(VolunteerProfile.objects.get(person=tom),
                                  until=timezone.localdate() + timedelta(days=7),
                                  acting_user=tom)
    client.force_login(tom)
    home = client.get(reverse("volunteers:home")).content.decode()
    assert "The treasurer has a question" in home and "ring the treasurer" in home
    assert _task_url(shopping) not in home
    assert client.get(_task_url(shopping)).status_code == 404  # the grant, as designed


# --- M2: the rejection's reason is shown and told; a rejection is not "Paid back" -----------

def test_a_rejection_is_told_and_its_reason_shown_not_as_a_payment(
        client, shopping, tom, tess, mailoutbox, django_capture_on_commit_callbacks):
    claim = _claim(shopping, tom, "4.65")
    client.force_login(tess)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("money:claim", args=[shopping.group.slug, claim.pk]),
                    {"action": "reject", "text": "Same receipt sent twice"})
    claim.refresh_from_db()
    assert claim.state == Claim.State.REJECTED
    told = [m for m in mailoutbox if m.to == ["tom@example.org"]]
    assert len(told) == 1 and _task_url(shopping) in told[0].body
    client.force_login(tom)
    page = client.get(_task_url(shopping)).content.decode()
    assert "Why it was not accepted:" in page and "Same receipt sent twice" in page
    assert "Paid back" not in page and "Reversal" not in page


def test_a_payment_undone_reads_as_undone(client, shopping, tom, tess):
    _claim(shopping, tom, "4.65")
    with transaction.atomic():
        entry = services.record_payment(shopping, amount=Decimal("4.65"), method="bank",
                                        reference="KITH X", actor=tess)
        services.reverse(entry, actor=tess, reason="Another resident's transfer")
    client.force_login(tom)
    page = client.get(_task_url(shopping)).content.decode()
    assert "−£4.65</span> · undone: paid back by bank transfer" in page
    assert "Another resident" not in page  # the books' note stays in the books


# --- M3: the same claim sent twice; what the resident is told --------------------------------

def _status_page(client, req) -> str:
    from kith.requests import views_public

    session = client.session
    session[views_public.STATUS_REQUEST] = {"id": req.pk, "until": time.time() + 600}
    session.save()
    return client.get(reverse("requests:status_view")).content.decode()


def test_the_same_claim_sent_twice_is_recorded_once(client, shopping, tom):
    client.force_login(tom)
    assert _spend(client, shopping).status_code == 302
    response = _spend(client, shopping)
    assert response.status_code == 400
    assert "no need to send it again" in response.content.decode()
    assert Claim.objects.count() == 1
    assert JournalEntry.objects.filter(kind="claim").count() == 1
    # Another receipt at the same shop with another total is a new claim.
    assert _spend(client, shopping, **{"spend-price_1": "3.10"}).status_code == 302
    assert Claim.objects.count() == 2


def test_the_resident_is_told_what_the_treasurer_is_still_checking(client, shopping, tom, tess):
    claim = _claim(shopping, tom, "10.55")
    page = _status_page(client, shopping)
    assert "You still owe £10.55." in page
    assert "still checking the receipt for £10.55" in page
    with transaction.atomic():
        services.approve(claim, actor=tess)
    page = _status_page(client, shopping)
    assert "You still owe £10.55." in page and "still checking" not in page


# --- M4: a far month is a 400 -------------------------------------------------------------------

@pytest.mark.parametrize("month", ["9999-12", "1999-01", "2101-01"])
def test_a_far_month_is_refused_not_a_500(client, street, tess, month):
    client.force_login(tess)
    response = client.get(reverse("money:csv", args=[street.slug]), {"month": month})
    assert response.status_code == 400


def test_a_month_of_the_books_is_still_given(client, street, tess):
    client.force_login(tess)
    response = client.get(reverse("money:csv", args=[street.slug]), {"month": "2026-12"})
    assert response.status_code == 200 and b"entry,date" in response.content


# --- M5: a later date to pay back ---------------------------------------------------------------

def test_a_later_date_is_bounded_and_refused_when_nothing_is_owed(client, shopping, tom, priya):
    _claim(shopping, tom)
    client.force_login(priya)
    response = client.post(_task_url(shopping), {"action": "plan", "plan-until": "9999-12-31"})
    assert response.status_code == 400 and "within a year" in response.content.decode()
    assert 'value="9999-12-31"' in response.content.decode()
    assert not PaymentPlan.objects.exists()
    with transaction.atomic():
        services.cover_from_hardship(shopping, amount=Decimal("10.55"), actor=priya)
    with pytest.raises(MoneyError, match="owe nothing"), transaction.atomic():
        services.agree_payment_plan(shopping, until=timezone.localdate() + timedelta(days=7),
                                    actor=priya)


def test_a_date_in_another_year_shows_its_year(client, shopping, tom, priya, monkeypatch):
    _claim(shopping, tom)
    # Today is pinned to early December: a year on is always in another year then, whatever
    # day the suite runs (on 1 January no date within a year reaches the next one).
    real, today = timezone.localdate, date(2026, 12, 4)
    monkeypatch.setattr(timezone, "localdate",
                        lambda value=None, tz=None: today if value is None else real(value, tz))
    later = today + timedelta(days=364)
    with transaction.atomic():
        services.agree_payment_plan(shopping, until=later, actor=priya)
    client.force_login(priya)
    page = client.get(_task_url(shopping)).content.decode()
    assert f"they can pay back by {later:%A} {later.day} {later:%B} {later.year}" in page
    assert f"{later:%B} {later.year}" in _status_page(client, shopping)


# --- M6: rejecting what the hardship fund covered names who can undo it --------------------------

def test_rejecting_a_covered_claim_says_a_coordinator_must_reverse_the_cover(
        client, shopping, tom, tess, priya):
    claim = _claim(shopping, tom)
    with transaction.atomic():
        services.cover_from_hardship(shopping, amount=Decimal("10.55"), actor=priya)
    client.force_login(tess)
    response = client.post(reverse("money:claim", args=[shopping.group.slug, claim.pk]),
                           {"action": "reject", "text": "Not goods"})
    assert response.status_code == 400
    assert "ask a coordinator to reverse the hardship cover" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED


# --- M7: a task given back takes no new spending or cash ------------------------------------------

def test_after_giving_a_task_back_the_volunteer_sees_but_adds_nothing(client, shopping, tom):
    claim = _claim(shopping, tom, "2.50")
    request_services.hand_back(shopping, actor=tom, note="Ill")
    client.force_login(tom)
    page = client.get(_task_url(shopping)).content.decode()
    assert "£2.50 at Tesco" in page and "Soup and bread" in page  # what they recorded
    assert "no longer yours" in page
    assert 'value="spend"' not in page and 'value="cash"' not in page
    assert "See the receipt photo" not in page
    response = _spend(client, shopping, **{"spend-price_1": "3.00"})
    assert response.status_code == 302
    response = client.post(_task_url(shopping), {"action": "cash", "cash-amount": "1.00"})
    assert response.status_code == 302
    assert Claim.objects.count() == 1 and not JournalEntry.objects.filter(kind="cash").exists()
    assert client.get(reverse("money:receipt", args=[shopping.group.slug,
                                                     claim.pk])).status_code == 404
    with pytest.raises(MoneyError, match="no longer yours"):
        _claim(shopping, tom, "3.00", colour=(1, 2, 3))


def test_after_a_done_task_the_volunteer_still_records_cash(client, shopping, tom):
    _claim(shopping, tom, "2.50")
    _done(shopping, tom)
    client.force_login(tom)
    assert 'value="cash"' in client.get(_task_url(shopping)).content.decode()
    response = client.post(_task_url(shopping), {"action": "cash", "cash-amount": "2.50"})
    assert response.status_code == 302
    assert JournalEntry.objects.filter(kind="cash").exists()


def test_a_question_can_still_be_answered_after_giving_the_task_back(client, shopping, tom,
                                                                     tess):
    claim = _claim(shopping, tom)
    with transaction.atomic():
        services.query(claim, actor=tess, question="Which shop?")
    request_services.hand_back(shopping, actor=tom, note="Ill")
    client.force_login(tom)
    response = client.post(_task_url(shopping), {"action": "answer", "claim": claim.pk,
                                                 "answer-answer": "Tesco"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED


# --- M8: a change of where residents pay is told -----------------------------------------------

SETTINGS = {"task_limit": "30.00", "bank_account_name": "Golborne MA",
            "bank_sort_code": "20-00-00", "bank_account_number": "55779911", "payment_link": "",
            "non_payment_threshold": 2, "days_to_pay": 14, "receipt_months": 12}


def test_a_change_of_bank_details_is_told_to_coordinators_and_treasurers(
        client, street, tess, priya, mailoutbox, django_capture_on_commit_callbacks):
    other = PersonFactory(email="ola@example.org", display_name="Ola Treasurer")
    MembershipFactory(person=other, group=street, is_treasurer=True)
    MoneySettings.objects.create(group=street, bank_account_name="Golborne MA",
                                 bank_sort_code="20-00-00", bank_account_number="55779911")
    client.force_login(tess)
    url = reverse("money:settings", args=[street.slug])
    assert "are told at once" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**SETTINGS, "task_limit": "40.00"}).status_code == 302
    assert not mailoutbox  # not where residents pay
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**SETTINGS, "bank_account_number": "12345678"}).status_code \
            == 302
    told = sorted(m.to[0] for m in mailoutbox)
    assert told == ["ola@example.org", "priya@example.org"]  # not Tess herself
    assert "the account number" in mailoutbox[0].body and "Tess Morgan" in mailoutbox[0].body
    assert "12345678" not in mailoutbox[0].body


# --- nit: a limit below what is already spent ---------------------------------------------------

def test_a_limit_below_what_is_spent_is_refused(client, shopping, tom, priya):
    _claim(shopping, tom, "11.55")
    client.force_login(priya)
    response = client.post(_task_url(shopping), {"action": "limit", "limit-amount": "5.00"})
    assert response.status_code == 400
    assert "£11.55 has already been spent" in response.content.decode()
    assert services.limit_for(shopping) == Decimal("30.00")
    assert client.post(_task_url(shopping), {"action": "limit",
                                             "limit-amount": "40.00"}).status_code == 302
