"""The fresh-clone review's findings on money, each pinned: only approved claims are
reimbursed; unchecked cash is never paid in, so the check-up's "No" always goes through;
double submits and two claims at once; hardship entries undone only by a coordinator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from kith.money import ledger, services
from kith.money.ledger import MoneyError
from kith.money.models import CashCheck, Claim, JournalEntry
from tests.money.conftest import receipt_upload, spent_at

pytestmark = pytest.mark.django_db


def _claim(req, volunteer, amount="23.40", colour=(200, 180, 160), when=None) -> Claim:
    return services.record_claim(req, volunteer=volunteer, shop="Tesco",
                                 spent_at=when or spent_at(),
                                 lines=[("Bread and milk", Decimal(amount))],
                                 upload=receipt_upload(colour))


def _fund(group, tess, amount="100.00"):
    with transaction.atomic():
        services.fund_in(group, kind="donation", amount=Decimal(amount), description="Fete",
                         actor=tess)


# --- 2: only approved claims are owed and reimbursed ------------------------------------------

def test_claims_still_waiting_are_not_reimbursed(client, shopping, tom, tess):
    group = shopping.group
    _fund(group, tess)
    approved = _claim(shopping, tom, "10.00")
    _claim(shopping, tom, "13.70", colour=(10, 200, 10))  # still waiting
    with transaction.atomic():
        services.approve(approved, actor=tess)
    assert services.approved_owed(group, tom) == Decimal("10.00")
    assert services.waiting_for_volunteer(group, tom) == Decimal("13.70")
    with pytest.raises(MoneyError, match="approved claims come to £10.00"), transaction.atomic():
        services.reimburse(group, tom, amount=Decimal("23.70"), bank_reference="BACS 1",
                           actor=tess)
    client.force_login(tess)
    url = reverse("money:reimburse", args=[group.slug, tom.pk])
    page = client.get(url).content.decode()
    assert 'value="10.00"' in page and "£13.70" in page  # offered: approved only
    response = client.post(url, {"action": "reimburse", "reimburse-amount": "23.70",
                                 "reimburse-bank_reference": "BACS 1"})
    assert response.status_code == 400 and "approve them first" in response.content.decode()
    assert not JournalEntry.objects.filter(kind="reimburse").exists()
    response = client.post(url, {"action": "reimburse", "reimburse-amount": "10.00",
                                 "reimburse-bank_reference": "BACS 1"})
    assert response.status_code == 302
    balances = client.get(reverse("money:balances", args=[group.slug])).content.decode()
    assert "£13.70" in balances


def test_a_waiting_duplicate_can_still_be_rejected_after_a_reimbursement(shopping, tom, tess):
    group = shopping.group
    _fund(group, tess)
    first = _claim(shopping, tom, "10.00")
    # The same photo with another receipt time (not a double submit, which is refused): flagged.
    duplicate = _claim(shopping, tom, "10.00", when=spent_at().replace(hour=15))
    assert duplicate.flags.exists()
    with transaction.atomic():
        services.approve(first, actor=tess)
        services.reimburse(group, tom, amount=Decimal("10.00"), bank_reference="BACS 2",
                           actor=tess)
    with transaction.atomic():
        services.reject(duplicate, actor=tess, reason="The same receipt twice")
    assert ledger.balance(ledger.account(group, "volunteer", volunteer=tom)) == 0


# --- 3: cash waiting for its check-up is not paid in; the "No" always goes through ----------

def test_unchecked_cash_cannot_be_paid_in_and_the_no_goes_through(client, shopping, tom, tess,
                                                                  sam):
    group = shopping.group
    _claim(shopping, tom, "12.40")
    with transaction.atomic():
        check = services.record_cash(shopping, volunteer=tom, amount=Decimal("12.40"))
    with pytest.raises(MoneyError, match="waiting for its check-up"), transaction.atomic():
        services.pay_in_cash(group, tom, amount=Decimal("12.40"), actor=tess)
    client.force_login(tess)
    url = reverse("money:reimburse", args=[group.slug, tom.pk])
    response = client.post(url, {"action": "paid_in", "paid_in-amount": "12.40"})
    assert response.status_code == 400 and "check-up call" in response.content.decode()
    client.force_login(sam)
    client.post(reverse("money:task", args=[group.slug, shopping.reference]),
                {"action": "confirm", "check": check.pk, "paid": "no"})
    check.refresh_from_db()
    assert check.outcome == CashCheck.Outcome.DISPUTED
    assert ledger.owed_on_request(shopping) == Decimal("12.40")


def test_confirmed_cash_can_be_paid_in(shopping, tom, tess, sam):
    _claim(shopping, tom, "12.40")
    with transaction.atomic():
        check = services.record_cash(shopping, volunteer=tom, amount=Decimal("12.40"))
        services.confirm_cash(check, actor=sam, paid=True)
        services.pay_in_cash(shopping.group, tom, amount=Decimal("12.40"), actor=tess)
    assert ledger.balance(ledger.account(shopping.group, "cash", volunteer=tom)) == 0


# --- 4: double submits ------------------------------------------------------------------------

def test_a_reimbursement_sent_twice_is_recorded_once(client, shopping, tom, tess):
    group = shopping.group
    _fund(group, tess)
    claim = _claim(shopping, tom, "20.00")
    with transaction.atomic():
        services.approve(claim, actor=tess)
    client.force_login(tess)
    url = reverse("money:reimburse", args=[group.slug, tom.pk])
    data = {"action": "reimburse", "reimburse-amount": "10.00",
            "reimburse-bank_reference": "BACS 0412"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 400
    assert "no need to record it again" in response.content.decode()
    assert 'value="BACS 0412"' in response.content.decode()  # what was typed stays
    assert JournalEntry.objects.filter(kind="reimburse").count() == 1


def test_a_payment_and_cash_sent_twice_are_recorded_once(shopping, tom, tess):
    _claim(shopping, tom, "20.00")
    with transaction.atomic():
        services.record_payment(shopping, amount=Decimal("5.00"), method="bank",
                                reference="KITH X", actor=tess)
    with pytest.raises(MoneyError, match="no need"), transaction.atomic():
        services.record_payment(shopping, amount=Decimal("5.00"), method="bank",
                                reference="kith x", actor=tess)
    with transaction.atomic():
        services.record_cash(shopping, volunteer=tom, amount=Decimal("5.00"))
    with pytest.raises(MoneyError, match="no need"), transaction.atomic():
        services.record_cash(shopping, volunteer=tom, amount=Decimal("5.00"))
    with pytest.raises(MoneyError, match="no need"), transaction.atomic():
        services.fund_in(shopping.group, kind="donation", amount=Decimal("100.00"),
                         description="Fete", actor=tess)
        services.fund_in(shopping.group, kind="donation", amount=Decimal("100.00"),
                         description="Fete", actor=tess)


def test_the_limit_is_checked_under_the_tasks_lock(shopping, tom, monkeypatch):
    """A claim that passed the early check is refused when, by the time it holds the task's
    lock, another claim has taken the task to its limit."""
    _claim(shopping, tom, "20.00")
    early = services._check_limit
    calls = []

    def first_passes(req, total):
        calls.append(total)
        if len(calls) > 1:
            early(req, total)

    monkeypatch.setattr(services, "_check_limit", first_passes)
    with pytest.raises(MoneyError, match="over £30.00"):
        _claim(shopping, tom, "15.00", colour=(1, 2, 3))
    assert len(calls) == 2 and Claim.objects.count() == 1


# --- 5: a hardship entry is undone only by a coordinator --------------------------------------

def test_only_a_coordinator_reverses_a_hardship_entry(client, shopping, tom, tess, priya):
    group = shopping.group
    _claim(shopping, tom, "12.00")
    with transaction.atomic():
        entry = services.cover_from_hardship(shopping, amount=Decimal("12.00"), actor=priya)
    url = reverse("money:reverse", args=[group.slug, entry.pk])
    client.force_login(tess)
    assert f'action="{url}"' not in client.get(
        reverse("money:ledger", args=[group.slug])).content.decode()
    assert client.post(url, {"reason": "Typed wrong"}).status_code == 403
    assert not JournalEntry.objects.filter(reverses=entry).exists()
    client.force_login(priya)
    assert f'action="{url}"' in client.get(
        reverse("money:ledger", args=[group.slug])).content.decode()
    assert client.post(url, {"reason": "Covered the wrong task"}).status_code == 302
    assert JournalEntry.objects.filter(reverses=entry).exists()


# --- 6: the resident's status page -------------------------------------------------------------

def _status_page(client, req) -> str:
    import time

    from kith.requests import views_public

    session = client.session
    session[views_public.STATUS_REQUEST] = {"id": req.pk, "until": time.time() + 600}
    session.save()
    return client.get(reverse("requests:status_view")).content.decode()


def test_the_status_page_shows_the_agreed_date_and_words_cash_for_a_done_task(client, shopping,
                                                                              tom, priya):
    from datetime import timedelta

    from django.utils import timezone

    _claim(shopping, tom, "23.40")
    later = timezone.localdate() + timedelta(days=40)
    with transaction.atomic():
        services.agree_payment_plan(shopping, until=later, actor=priya)
    page = _status_page(client, shopping)
    assert f"As agreed with you, please pay by {later:%A} {later.day} {later:%B}" in page
    assert "when they bring your shopping" in page  # not delivered yet
    shopping.state = "done"
    shopping.save(update_fields=["state"])
    page = _status_page(client, shopping)
    assert "when they bring your shopping" not in page
    assert "next time you see them" in page


# --- 7: the call handler sees amounts, the payments' amounts, and the way back ----------------

def test_the_call_handler_sees_the_amounts_not_the_receipts(client, shopping, tom, sam):
    from django.utils import timezone

    from kith.requests.models import Callback

    _claim(shopping, tom, "12.40")
    with transaction.atomic():
        services.record_cash(shopping, volunteer=tom, amount=Decimal("5.00"))
    call = Callback.objects.create(group=shopping.group, kind="check_up", request=shopping,
                                   resident=shopping.resident, due_at=timezone.now())
    client.force_login(sam)
    screen = client.get(reverse("requests:callback", args=[shopping.group.slug, call.pk]))
    url = reverse("money:task", args=[shopping.group.slug, shopping.reference])
    assert f"{url}?call={call.pk}" in screen.content.decode()
    page = client.get(f"{url}?call={call.pk}").content.decode()
    assert "£12.40 at Tesco" in page and "Nothing spent on this task yet" not in page
    assert "See the receipt photo" not in page and "Bread and milk" not in page
    assert "£5.00 · Paid back in cash" in page
    assert reverse("requests:callback", args=[shopping.group.slug, call.pk]) in page
    assert "Back to the call" in page
    check = CashCheck.objects.get()
    response = client.post(f"{url}?call={call.pk}", {"action": "confirm", "check": check.pk,
                                                     "paid": "yes"})
    assert response["Location"] == f"{url}?call={call.pk}"


# --- 8: amounts read strictly ------------------------------------------------------------------

@pytest.mark.parametrize("typed, message", [
    ("1,2,3", "commas only between thousands"), ("12,34", "commas only between thousands"),
    ("1e1", "like 12.50"), ("1E+2", "like 12.50"), ("0x10", "like 12.50"),
])
def test_loose_amounts_are_refused(typed, message):
    from kith.money.forms import AmountForm

    form = AmountForm({"amount": typed})
    assert not form.is_valid() and message in form.errors["amount"][0]


@pytest.mark.parametrize("typed, amount", [
    ("1,200", "1200"), ("£1,234.50", "1234.50"), ("12.5", "12.5"), ("£ 3", "3"), (".50", "0.5"),
])
def test_ordinary_amounts_are_read(typed, amount):
    from kith.money.forms import AmountForm

    form = AmountForm({"amount": typed})
    assert form.is_valid() and form.cleaned_data["amount"] == Decimal(amount)


def test_a_loose_amount_keeps_what_was_typed(client, shopping, tom):
    client.force_login(tom)
    url = reverse("money:task", args=[shopping.group.slug, shopping.reference])
    _claim(shopping, tom, "10.00")
    response = client.post(url, {"action": "cash", "cash-amount": "1e1"})
    assert response.status_code == 400 and 'value="1e1"' in response.content.decode()
    assert not JournalEntry.objects.filter(kind="cash").exists()


# --- 9: the payment link is https ---------------------------------------------------------------

def test_the_payment_link_must_be_https(client, street, tess):
    from kith.money.forms import SettingsForm

    data = {"task_limit": "30.00", "non_payment_threshold": 2, "days_to_pay": 14,
            "receipt_months": 12, "payment_link": "http://pay.example.org/golborne"}
    form = SettingsForm(data)
    assert not form.is_valid() and "https://" in form.errors["payment_link"][0]
    assert SettingsForm({**data, "payment_link": "https://pay.example.org/g"}).is_valid()
    with pytest.raises(MoneyError, match="https://"), transaction.atomic():
        services.update_settings(street, actor=tess, payment_link="http://pay.example.org/g")


# --- 10: a minus sign stays with its number ----------------------------------------------------

def test_a_negative_amount_does_not_wrap():
    from kith.money.templatetags.money import pounds

    assert pounds(Decimal("-63.70")) == '<span class="nowrap">−£63.70</span>'
    assert pounds(Decimal("63.70")) == "£63.70"


def test_a_no_for_cash_paid_in_before_the_guard_still_goes_through(shopping, tom, tess, sam,
                                                                   monkeypatch):
    """Books from before the guard: the cash was paid in while waiting. The "No" is recorded
    (never stuck "Not asked yet") and the money people get a flag to sort it out."""
    from kith.money.models import Flag

    _claim(shopping, tom, "12.40")
    with transaction.atomic():
        check = services.record_cash(shopping, volunteer=tom, amount=Decimal("12.40"))
    monkeypatch.setattr(services, "_keep_waiting_cash", lambda group, volunteer: None)
    with transaction.atomic():
        services.pay_in_cash(shopping.group, tom, amount=Decimal("12.40"), actor=tess)
    with transaction.atomic():
        services.confirm_cash(check, actor=sam, paid=False)
    check.refresh_from_db()
    assert check.outcome == CashCheck.Outcome.DISPUTED
    flag = Flag.objects.get(kind="non_payment")
    assert "already been paid in" in flag.why and flag.resident == shopping.resident
