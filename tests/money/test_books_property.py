"""The books always balance: hypothesis drives random claims, decisions, repayments (cash,
bank, hardship), reimbursements, cash paid in, fund movements and reversals, refused or not,
and after every step checks that

- every entry's lines sum to zero, so debits equal credits over the whole ledger;
- no account that must not go below zero does (a resident owing less than nothing, the group
  owing a volunteer less than nothing, negative cash held, an overdrawn bank);
- each balance equals a shadow kept in plain Python from the steps that were accepted.

Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kith.money import ledger, services
from kith.money.ledger import MoneyError
from kith.money.models import Account, Claim, JournalEntry, JournalLine, MoneySettings
from tests.conftest import examples
from tests.factories import MembershipFactory, PersonFactory, ResidentFactory
from tests.money.conftest import make_task, receipt_upload, spent_at

pytestmark = pytest.mark.django_db(transaction=False)

small = st.sampled_from([Decimal("0.01"), Decimal("1.00"), Decimal("2.50"), Decimal("5.00")])
amounts = st.one_of(
    small, small, small,
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("80"), places=2),
    st.sampled_from([Decimal("0"), Decimal("-5.00"), Decimal("0.001")]))
i = st.integers(min_value=0, max_value=2)
# Repayments are often exactly what is owed (or half): otherwise random amounts rarely fit.
repay = st.one_of(amounts, st.sampled_from(["all", "half"]))
claim = st.tuples(st.just("claim"), i, amounts)
steps = st.lists(st.one_of(
    claim, claim, claim,
    st.tuples(st.just("approve"), i),
    st.tuples(st.just("reject"), i),
    st.tuples(st.just("cash"), i, repay), st.tuples(st.just("cash"), i, repay),
    st.tuples(st.just("confirm"), i, st.booleans()),
    st.tuples(st.just("bank"), i, repay), st.tuples(st.just("bank"), i, repay),
    st.tuples(st.just("hardship"), i, repay), st.tuples(st.just("hardship"), i, repay),
    st.tuples(st.just("reimburse"), i, repay), st.tuples(st.just("reimburse"), i, repay),
    st.tuples(st.just("pay_in"), i, repay), st.tuples(st.just("pay_in"), i, repay),
    st.tuples(st.just("donation"), amounts), st.tuples(st.just("donation"), small),
    st.tuples(st.just("fund_out"), amounts),
    st.tuples(st.just("reverse"), i),
), min_size=12, max_size=30)


@pytest.fixture
def books(street, priya, tom, tess):
    MoneySettings.objects.create(group=street, task_limit=Decimal("500"))
    jo = PersonFactory(email="jo@example.org", display_name="Jo Lee")
    MembershipFactory(person=jo, group=street, is_volunteer=True)
    residents = [ResidentFactory(group=street, name=n) for n in ("Mrs Ahmed", "Mr Green", "Ms Kay")]
    tasks = [make_task(street, residents[0], tom, priya),
             make_task(street, residents[1], tom, priya),
             make_task(street, residents[2], jo, priya, service="prescriptions")]
    return street, tasks, [tom, jo], tess, priya


def _pick(items, n):
    return items[n % len(items)] if items else None


class Shadow:
    """What the balances should be, from the accepted steps alone."""

    def __init__(self):
        self.balance = Counter()
        self.effects: dict[int, Counter] = {}

    def apply(self, entry: JournalEntry, effect: dict):
        self.effects[entry.pk] = Counter(effect)
        self.balance.update(effect)

    def undo(self, entry: JournalEntry, undo: JournalEntry):
        effect = self.effects[entry.pk]
        self.balance.subtract(effect)
        self.effects[undo.pk] = Counter({k: -v for k, v in effect.items()})


def _amount(wanted, owed: Decimal):
    if wanted == "all":
        return owed
    if wanted == "half":
        return (owed / 2).quantize(Decimal("0.01"))
    return wanted


def _resolve(step, world):
    """Turn "all"/"half" into pounds: of what the resident owes on the task, what the group
    owes the volunteer, or the cash they hold."""
    group, tasks, vols = world[:3]
    kind, *args = step
    if kind in ("cash", "bank", "hardship"):
        owed = ledger.owed_on_request(_pick(tasks, args[0]))
    elif kind == "reimburse":
        owed = ledger.balance(ledger.account(group, "volunteer", volunteer=_pick(vols, args[0])))
    elif kind == "pay_in":
        owed = ledger.balance(ledger.account(group, "cash", volunteer=_pick(vols, args[0])))
    else:
        return step
    return (kind, args[0], _amount(args[1], owed))


def _run(step, world, shadow: Shadow):  # noqa: C901 - one branch per kind of step
    group, tasks, vols, tess, priya = world
    kind, *args = _resolve(step, world)
    claims = list(Claim.objects.filter(group=group).order_by("pk"))
    if kind == "claim":
        req = _pick(tasks, args[0])
        vol = req.assignments.get().volunteer
        claim = services.record_claim(req, volunteer=vol, shop="Tesco", spent_at=spent_at(),
                                      lines=[("Bread and milk", args[1])],
                                      upload=receipt_upload((args[0] * 40 % 255, 10, 10)))
        shadow.apply(claim.entries.get(), {("res", req.resident_id): args[1],
                                           ("vol", vol.pk): args[1]})
    elif kind == "approve" and claims:
        services.approve(_pick(claims, args[0]), actor=tess)
    elif kind == "reject" and claims:
        claim = _pick(claims, args[0])
        services.reject(claim, actor=tess, reason="Not goods")
        entry = claim.entries.get(kind="claim")
        shadow.undo(entry, entry.reversed_by)
    elif kind == "cash":
        req = _pick(tasks, args[0])
        vol = req.assignments.get().volunteer
        check = services.record_cash(req, volunteer=vol, amount=args[1])
        shadow.apply(check.entry, {("res", req.resident_id): -args[1], ("cash", vol.pk): args[1]})
    elif kind == "confirm":
        from kith.money.models import CashCheck

        check = _pick(list(CashCheck.objects.filter(entry__group=group).order_by("pk")), args[0])
        if check is None:
            raise MoneyError("no cash recorded yet")
        services.confirm_cash(check, actor=priya, paid=args[1])
        if not args[1]:
            shadow.undo(check.entry, check.entry.reversed_by)
    elif kind in ("bank", "hardship"):
        req = _pick(tasks, args[0])
        if kind == "bank":
            entry = services.record_payment(req, amount=args[1], method="bank",
                                            reference="KITH", actor=tess)
            shadow.apply(entry, {("res", req.resident_id): -args[1], "bank": args[1]})
        else:
            entry = services.cover_from_hardship(req, amount=args[1], actor=priya)
            shadow.apply(entry, {("res", req.resident_id): -args[1], "hardship": args[1]})
    elif kind == "reimburse":
        vol = _pick(vols, args[0])
        entry = services.reimburse(group, vol, amount=args[1], bank_reference="BACS 1",
                                   actor=tess)
        shadow.apply(entry, {("vol", vol.pk): -args[1], "bank": -args[1]})
    elif kind == "pay_in":
        vol = _pick(vols, args[0])
        entry = services.pay_in_cash(group, vol, amount=args[1], actor=tess)
        shadow.apply(entry, {("cash", vol.pk): -args[1], "bank": args[1]})
    elif kind == "donation":
        entry = services.fund_in(group, kind="donation", amount=args[0], description="Fete",
                                 actor=tess)
        shadow.apply(entry, {"bank": args[0], "income": args[0]})
    elif kind == "fund_out":
        entry = services.fund_out(group, amount=args[0], description="Food bank stock",
                                  actor=tess)
        shadow.apply(entry, {"bank": -args[0], "spending": args[0]})
    elif kind == "reverse":
        entries = list(JournalEntry.objects.filter(group=group).order_by("pk"))
        entry = _pick(entries, args[0])
        if entry:
            undo = services.reverse(entry, actor=tess, reason="Typed wrong")
            shadow.undo(entry, undo)


def _key(acct: Account):
    return {Account.Kind.OWED_BY_RESIDENT: ("res", acct.resident_id),
            Account.Kind.OWED_TO_VOLUNTEER: ("vol", acct.volunteer_id),
            Account.Kind.CASH_HELD: ("cash", acct.volunteer_id),
            Account.Kind.BANK: "bank", Account.Kind.HARDSHIP: "hardship",
            Account.Kind.DONATIONS: "income", Account.Kind.GRANTS: "income",
            Account.Kind.FUND_SPENDING: "spending"}[acct.kind]


def _check_books(group, shadow: Shadow):
    assert (JournalLine.objects.filter(account__group=group).aggregate(t=Sum("pence"))["t"]
            or 0) == 0
    for entry in JournalEntry.objects.filter(group=group).annotate(t=Sum("lines__pence")):
        assert entry.t == 0, entry
    seen = Counter()
    for acct in Account.objects.filter(group=group):
        value = ledger.balance(acct)
        if acct.kind in ledger.NEVER_NEGATIVE:
            assert value >= 0, acct
        seen[_key(acct)] += value
    assert +seen == +shadow.balance  # `+` drops the zeros


@settings(max_examples=examples(80), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=steps)
def test_the_books_always_balance(books, steps):
    group = books[0]
    with transaction.atomic():  # each example starts from the same empty books
        shadow = Shadow()
        for step in steps:
            try:
                with transaction.atomic():
                    _run(step, books, shadow)
                event(f"{step[0]} accepted")
            except MoneyError:
                event(f"{step[0]} refused")
            _check_books(group, shadow)
        transaction.set_rollback(True)


def test_a_shopping_story_keeps_the_books(books):
    group = books[0]
    shadow = Shadow()
    story = [("donation", Decimal("100")), ("claim", 0, Decimal("23.40")), ("approve", 0),
             ("cash", 0, Decimal("23.40")), ("confirm", 0, True),
             ("reimburse", 0, Decimal("23.40")), ("pay_in", 0, Decimal("23.40")),
             ("claim", 1, Decimal("12.00")), ("hardship", 1, Decimal("12.00")),
             ("claim", 2, Decimal("9.90")), ("bank", 2, Decimal("9.90")),
             ("approve", 2), ("reimburse", 1, Decimal("9.90")), ("fund_out", Decimal("5"))]
    for step in story:
        with transaction.atomic():
            _run(step, books, shadow)
        _check_books(group, shadow)
    totals = ledger.totals_by_kind(group)
    assert totals["bank"] == Decimal("95.00")  # 100 - 23.40 + 23.40 + 9.90 - 9.90 - 5
    assert totals["resident"] == totals["cash"] == 0
    assert totals["volunteer"] == Decimal("12.00")  # Tom, for Mr Green's shopping
    assert totals["hardship"] == Decimal("12.00")
    # The donation is spent already, so reversing it would overdraw the bank.
    with pytest.raises(MoneyError, match="does not hold"), transaction.atomic():
        services.reverse(JournalEntry.objects.get(kind="donation"), actor=books[3],
                         reason="Typed wrong")
