"""Review m2's money findings, each pinned: a rejection never leaves a task owing less than
nothing, even when the resident owes on another task (M6a); each question has its own answer
box naming its claim (M1a); a claim queried again keeps the earlier exchange (M1b); the
treasurer sees when the volunteer who was asked has left (M1c)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from kith.groups.models import Membership
from kith.money import ledger, services
from kith.money.models import Claim
from tests.money.conftest import make_task, receipt_upload, spent_at

pytestmark = pytest.mark.django_db


def _claim(req, volunteer, amount: str, shop: str, colour=(200, 180, 160)) -> Claim:
    return services.record_claim(req, volunteer=volunteer, shop=shop, spent_at=spent_at(),
                                 lines=[("Peas and bread", Decimal(amount))],
                                 upload=receipt_upload(colour))


def _task_url(req) -> str:
    return reverse("money:task", args=[req.group.slug, req.reference])


def _claim_url(claim) -> str:
    return reverse("money:claim", args=[claim.group.slug, claim.pk])


@pytest.fixture
def other_debt(street, mrs_ahmed, tom, priya):
    """Mrs Ahmed owes £9.45 on an earlier, done task: her account as a whole stays above
    nothing when this task's would not."""
    from kith.requests import services as request_services

    earlier = make_task(street, mrs_ahmed, tom, priya)
    _claim(earlier, tom, "9.45", "Co-op", colour=(10, 20, 30))
    request_services.start(earlier, actor=tom)
    request_services.complete(earlier, actor=tom)
    return earlier


# --- M6a: a rejection is refused when it would take this task's owed below nothing ----------

def test_rejecting_after_a_hardship_cover_is_refused_when_she_owes_elsewhere(
        client, other_debt, shopping, tom, tess, priya):
    _claim(shopping, tom, "2.50", "Iceland")
    lidl = _claim(shopping, tom, "4.20", "Lidl", colour=(90, 90, 200))
    with transaction.atomic():
        services.cover_from_hardship(shopping, amount=Decimal("6.70"), actor=priya)
    client.force_login(tess)
    response = client.post(_claim_url(lidl), {"action": "reject", "text": "Not ours"})
    assert response.status_code == 400
    assert "ask a coordinator to reverse the hardship cover first" in response.content.decode()
    lidl.refresh_from_db()
    assert lidl.state == Claim.State.SUBMITTED
    assert ledger.owed_on_request(shopping) == Decimal("0.00")
    # Her payment for the other task can still be booked in full.
    with transaction.atomic():
        services.record_payment(other_debt, amount=Decimal("9.45"), method="bank",
                                reference="KITH", actor=tess)


def test_rejecting_after_a_repayment_is_refused_when_she_owes_elsewhere(
        client, other_debt, shopping, tom, tess):
    coop = _claim(shopping, tom, "6.00", "Co-op")
    with transaction.atomic():
        services.record_payment(shopping, amount=Decimal("6.00"), method="bank",
                                reference="KITH", actor=tess)
    client.force_login(tess)
    response = client.post(_claim_url(coop), {"action": "reject", "text": "Duplicate"})
    assert response.status_code == 400
    assert "reverse the payment first" in response.content.decode()
    coop.refresh_from_db()
    assert coop.state == Claim.State.SUBMITTED
    assert ledger.owed_on_request(shopping) == Decimal("0.00")


def test_a_rejection_that_leaves_the_task_owing_nothing_or_more_goes_through(
        shopping, tom, tess, priya):
    _claim(shopping, tom, "2.50", "Iceland")
    lidl = _claim(shopping, tom, "4.20", "Lidl", colour=(90, 90, 200))
    with transaction.atomic():
        services.cover_from_hardship(shopping, amount=Decimal("2.50"), actor=priya)
    services.reject(lidl, actor=tess, reason="Not ours")
    assert ledger.owed_on_request(shopping) == Decimal("0.00")


# --- M1a: each question with its claim and its own answer box -------------------------------

def _two_questions(shopping, tom, tess):
    iceland = _claim(shopping, tom, "2.50", "Iceland")
    lidl = _claim(shopping, tom, "4.20", "Lidl", colour=(90, 90, 200))
    services.query(iceland, actor=tess, question="Q-ICELAND: which peas?")
    services.query(lidl, actor=tess, question="Q-LIDL: was this for her?")
    return iceland, lidl


def test_each_question_has_its_shop_amount_and_own_box(client, shopping, tom, tess):
    iceland, lidl = _two_questions(shopping, tom, tess)
    client.force_login(tom)
    page = client.get(_task_url(shopping)).content.decode()
    assert "About £2.50 at Iceland" in page and "About £4.20 at Lidl" in page
    assert f'name="claim" value="{iceland.pk}"' in page
    assert f'name="claim" value="{lidl.pk}"' in page
    assert f'id="id_answer-answer_{iceland.pk}"' in page
    assert f'id="id_answer-answer_{lidl.pk}"' in page


def test_the_answer_goes_to_the_claim_it_names(client, shopping, tom, tess):
    iceland, lidl = _two_questions(shopping, tom, tess)
    client.force_login(tom)
    response = client.post(_task_url(shopping), {"action": "answer", "claim": lidl.pk,
                                                 "answer-answer": "Yes, her usual"})
    assert response.status_code == 302
    iceland.refresh_from_db()
    lidl.refresh_from_db()
    assert (lidl.state, lidl.answer) == (Claim.State.SUBMITTED, "Yes, her usual")
    assert (iceland.state, iceland.answer) == (Claim.State.QUERIED, "")
    page = client.get(_task_url(shopping)).content.decode()
    assert "Q-ICELAND" in page and "Q-LIDL" not in page


def test_an_answer_to_a_claim_not_theirs_or_not_queried_is_refused(
        client, shopping, tom, tess, street, priya):
    iceland, _lidl = _two_questions(shopping, tom, tess)
    ximena = _member_volunteer(street, "ximena@example.org")
    from tests.factories import ResidentFactory

    albert = ResidentFactory(group=street, name="Albert")
    theirs_task = make_task(street, albert, ximena, priya)
    theirs = _claim(theirs_task, ximena, "3.00", "Tesco", colour=(1, 200, 1))
    services.query(theirs, actor=tess, question="Whose?")
    client.force_login(tom)
    for pk in (theirs.pk, "", "abc", 999999):
        response = client.post(_task_url(shopping), {"action": "answer", "claim": pk,
                                                     "answer-answer": "Mine"})
        assert response.status_code == 400
        assert "There is no question waiting for you on this claim" in response.content.decode()
    theirs.refresh_from_db()
    iceland.refresh_from_db()
    assert theirs.answer == "" and iceland.answer == ""


def _member_volunteer(street, email):
    from tests.factories import MembershipFactory, PersonFactory

    person = PersonFactory(email=email, display_name="Ximena Quinn")
    MembershipFactory(person=person, group=street, is_volunteer=True)
    return person


# --- M1b: a claim queried again keeps the earlier exchange -----------------------------------

def test_a_second_question_keeps_the_first_exchange_and_clears_the_answer(
        client, shopping, tom, tess):
    claim = _claim(shopping, tom, "10.55", "Tesco")
    services.query(claim, actor=tess, question="Is the soup for Albert?")
    services.answer(claim, actor=tom, text="Yes, the soup was for Albert")
    services.query(claim, actor=tess, question="And the tea?")
    claim.refresh_from_db()
    assert claim.question == "And the tea?" and claim.answer == ""
    assert claim.earlier == [{"question": "Is the soup for Albert?",
                              "answer": "Yes, the soup was for Albert"}]
    client.force_login(tess)
    page = client.get(_claim_url(claim)).content.decode()
    assert "Earlier questions" in page
    assert "Is the soup for Albert?" in page and "Yes, the soup was for Albert" in page
    assert "Volunteer&#x27;s answer" not in page and "Volunteer's answer" not in page


# --- M1c: the treasurer sees that the volunteer asked has left ---------------------------------

def test_a_queried_claim_whose_volunteer_left_is_marked(client, shopping, tom, tess, street):
    claim = _claim(shopping, tom, "10.55", "Tesco")
    services.query(claim, actor=tess, question="Is the soup for Albert?")
    client.force_login(tess)
    queue = reverse("money:queue", args=[street.slug])
    assert "The volunteer has left" not in client.get(queue).content.decode()
    Membership.objects.filter(person=tom, group=street).update(is_volunteer=False)
    assert "The volunteer has left" in client.get(queue).content.decode()
    page = client.get(_claim_url(claim)).content.decode()
    assert "The volunteer has left." in page and "Ring them" in page
