"""Prescriptions: the group's rule on who may collect, enforced where a volunteer is offered,
proposed, accepts, or is assigned by hand; the stricter rule for a controlled drug; the bag
reference, sealed; and the hand-over, collected, handed over, confirmed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.matching import offers
from kith.matching.models import Offer
from kith.requests import services
from kith.requests.intake import Contact, Need, take_request
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment
from kith.safety import prescriptions
from kith.safety.models import Collection, SafetyPolicy
from tests.matching.conftest import make_volunteer
from tests.safety.conftest import make_task

pytestmark = pytest.mark.django_db


def _prescription(street, priya, mrs_ahmed, *, controlled=False):
    mrs_ahmed.postcode = "W10 5NW"
    mrs_ahmed.address = "14 Golborne Road"
    mrs_ahmed.save()
    req = take_request(street, channel="phone", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="prescriptions"), acting_user=priya,
                       resident=mrs_ahmed, triage=True).request
    if controlled:
        prescriptions.do_record_collection(req, controlled_drug=True, bag_reference="B-77",
                                           acting_user=priya)
    return req


def _policy(street, everyday, controlled):
    SafetyPolicy.objects.update_or_create(group=street, defaults={
        "prescriptions": everyday, "controlled_drugs": controlled})


def _helped_before(street, priya, volunteer, resident):
    """`volunteer` finished a shopping task for `resident`: someone they know."""
    req = make_task(street, priya, volunteer, resident=resident)
    services.start(req, actor=volunteer)
    services.complete(req, actor=volunteer)


@pytest.fixture
def ann(street, priya):
    return make_volunteer(street, priya, "Ann", "W10 5PZ")


@pytest.fixture
def ben(street, priya):
    return make_volunteer(street, priya, "Ben", "W10 5QA")


# --- assignment by hand


def test_any_checked_volunteer_may_collect_by_default(street, priya, mrs_ahmed, ann):
    req = _prescription(street, priya, mrs_ahmed)
    assert services.assign(req, ann, actor=priya, reason="Nearby").volunteer == ann


def test_pharmacy_only_refuses_every_volunteer_by_hand(street, priya, mrs_ahmed, ann):
    _policy(street, "pharmacy", "pharmacy")
    req = _prescription(street, priya, mrs_ahmed)
    with pytest.raises(IllegalMove, match="only through a partner pharmacy"):
        services.assign(req, ann, actor=priya, reason="Nearby")
    assert not Assignment.objects.filter(request=req).exists()


def test_a_controlled_drug_needs_someone_the_resident_knows(street, priya, mrs_ahmed, ann, ben):
    _policy(street, "vetted", "known")
    _helped_before(street, priya, ben, mrs_ahmed)
    ordinary = _prescription(street, priya, mrs_ahmed)
    assert prescriptions.reasons_not_to_collect(ann, ordinary) == []
    controlled = _prescription(street, priya, mrs_ahmed, controlled=True)
    with pytest.raises(IllegalMove, match="has not helped this resident before"):
        services.assign(controlled, ann, actor=priya, reason="Nearby")
    assert services.assign(controlled, ben, actor=priya, reason="Knows her").volunteer == ben


def test_the_assign_page_says_who_may_not_collect_and_why(client, street, priya, mrs_ahmed,
                                                          ann):
    _policy(street, "known", "pharmacy")
    req = _prescription(street, priya, mrs_ahmed)
    client.force_login(priya)
    url = reverse("requests:assign", args=[street.slug, req.reference])
    text = client.get(url).content.decode()
    assert "has not helped this resident before" in text
    response = client.post(url, {"volunteer": ann.pk, "reason": "Nearby"})
    assert response.status_code == 400
    assert "has not helped this resident before" in response.content.decode()


# --- matching: offers, proposals, accepting


def _matching(req, priya):
    services.transition(req, "start_matching", actor=priya)
    req.refresh_from_db()
    return req


def test_matching_offers_only_volunteers_the_rule_allows(street, priya, mrs_ahmed, ann, ben):
    _policy(street, "known", "pharmacy")
    _helped_before(street, priya, ben, mrs_ahmed)
    req = _matching(_prescription(street, priya, mrs_ahmed), priya)
    suggestion = offers.suggest(req)
    assert [c.volunteer.id for c in suggestion.candidates] == [ben.pk]


def test_matching_offers_nobody_for_pharmacy_only_and_says_why(street, priya, mrs_ahmed, ann):
    _policy(street, "pharmacy", "pharmacy")
    req = _matching(_prescription(street, priya, mrs_ahmed), priya)
    suggestion = offers.suggest(req)
    assert suggestion.candidates == []
    assert "partner pharmacy" in suggestion.why_nobody


def test_an_offer_made_before_the_tick_cannot_be_accepted_after(street, priya, mrs_ahmed, ann):
    _policy(street, "vetted", "pharmacy")
    req = _matching(_prescription(street, priya, mrs_ahmed), priya)
    offers.offer_round(req, actor=priya)
    offer = Offer.objects.get(request=req, volunteer=ann)
    prescriptions.do_record_collection(req, controlled_drug=True, bag_reference=None,
                                       acting_user=priya)
    # Withdrawn at the tick (the rule refuses her now), so accepting takes nothing.
    assert offers.accept(offer, person=ann).outcome == "withdrawn"
    assert not Assignment.objects.filter(request=req).exists()


def test_a_batch_proposal_skips_a_volunteer_the_rule_refuses(street, priya, mrs_ahmed, ann):
    from kith.matching.batch_offers import propose

    _policy(street, "known", "pharmacy")
    _matching(_prescription(street, priya, mrs_ahmed), priya)
    rows = [row for row in propose(street).rows if row.req.service == "prescriptions"]
    assert rows and rows[0].candidate is None
    assert "assign it by hand" in rows[0].why


# --- the policy itself


def test_controlled_drugs_may_not_have_a_looser_rule(client, street, priya):
    client.force_login(priya)
    url = reverse("safety:settings", args=[street.slug])
    response = client.post(url, {"visit_minutes": "60", "grace_minutes": "20",
                                 "prescriptions": "known", "controlled_drugs": "vetted"})
    assert response.status_code == 400
    assert "at least as strict" in response.content.decode()
    assert not SafetyPolicy.objects.exists()
    response = client.post(url, {"visit_minutes": "60", "grace_minutes": "20",
                                 "prescriptions": "known", "controlled_drugs": "pharmacy"})
    assert response.status_code == 302
    assert SafetyPolicy.objects.get().controlled_drugs == "pharmacy"
    assert AuditEvent.objects.filter(action="kith.safety.settings_changed").count() == 1


# --- the collection


def test_nothing_about_the_medicine_is_stored():
    names = {f.name for f in Collection._meta.get_fields()}
    assert names == {"id", "group", "request", "controlled_drug", "bag_reference",
                     "collected_at", "collected_by", "handed_over_at", "confirmed_at",
                     "confirmed_by"}


def test_the_bag_reference_is_sealed_and_shown_only_to_the_volunteer(client, street, priya,
                                                                     mrs_ahmed, tom):
    req = _prescription(street, priya, mrs_ahmed)
    prescriptions.do_record_collection(req, controlled_drug=False, bag_reference="BAG-4411",
                                       acting_user=priya)
    raw = Collection.objects.values_list("bag_reference", flat=True).get()
    assert "BAG-4411" not in str(raw)
    services.assign(req, tom, actor=priya, reason="Nearby")
    client.force_login(tom)
    assert "BAG-4411" in client.get(reverse("requests:task", args=[req.reference])).content.decode()
    assert PersonalDataAccess.objects.filter(viewer=tom, field="bag_reference").exists()
    client.force_login(priya)
    page = client.get(reverse("safety:collection", args=[street.slug, req.reference]))
    assert "BAG-4411" not in page.content.decode() and "Recorded" in page.content.decode()


def test_collected_handed_over_and_confirmed(client, street, priya, mrs_ahmed, tom, sam):
    req = _prescription(street, priya, mrs_ahmed)
    services.assign(req, tom, actor=priya, reason="Nearby")
    client.force_login(tom)
    step = reverse("safety:collection_step", args=[req.reference])
    client.post(step, {"step": "handed_over"})  # not before it is collected
    assert not Collection.objects.filter(handed_over_at__isnull=False).exists()
    client.post(step, {"step": "collected"})
    client.post(step, {"step": "handed_over"})
    collection = Collection.objects.get()
    assert collection.collected_by == tom and collection.handed_over_at is not None
    client.force_login(sam)
    url = reverse("safety:collection", args=[street.slug, req.reference])
    assert client.post(url, {"step": "confirm"}).status_code == 302
    collection.refresh_from_db()
    assert collection.confirmed_by == sam
    assert list(AuditEvent.objects.filter(action__startswith="kith.prescription.")
                .values_list("action", flat=True).order_by("pk")) == [
        "kith.prescription.collected", "kith.prescription.handed_over",
        "kith.prescription.confirmed"]
    assert {e.action for e in req.events.all()} >= {"prescription_collected",
                                                    "prescription_handed_over",
                                                    "prescription_confirmed"}


def test_another_groups_prescription_is_not_found(client, street, priya, mrs_ahmed, nadia):
    req = _prescription(street, priya, mrs_ahmed)
    client.force_login(nadia)
    url = reverse("safety:collection", args=["lots-road", req.reference])
    assert client.get(url).status_code == 404


def _on_the_way(client, street, priya, mrs_ahmed, tom):
    from kith.safety import checkins

    req = _prescription(street, priya, mrs_ahmed)
    services.assign(req, tom, actor=priya, reason="Nearby")
    check_in = checkins.do_start_visit(req, acting_user=tom, minutes=30)
    client.force_login(tom)
    client.post(reverse("safety:collection_step", args=[req.reference]), {"step": "collected"})
    return req, check_in


def test_im_safe_before_the_hand_over_keeps_the_prescription_task_open(client, street, priya,
                                                                      mrs_ahmed, tom):
    req, check_in = _on_the_way(client, street, priya, mrs_ahmed, tom)
    page = client.post(reverse("safety:check_in", args=[req.reference]), {"action": "safe"},
                       follow=True)
    check_in.refresh_from_db()
    req.refresh_from_db()
    assert check_in.state == "safe" and req.state == "in_progress"
    assert "stays open until you say you" in page.content.decode()
    # Handed over, then "It's done" finishes it.
    client.post(reverse("safety:collection_step", args=[req.reference]), {"step": "handed_over"})
    client.post(reverse("requests:task", args=[req.reference]), {"action": "complete"})
    req.refresh_from_db()
    assert req.state == "done"


def test_its_done_before_the_hand_over_is_refused_and_says_why(client, street, priya,
                                                              mrs_ahmed, tom):
    req, check_in = _on_the_way(client, street, priya, mrs_ahmed, tom)
    page = client.post(reverse("requests:task", args=[req.reference]), {"action": "complete"})
    req.refresh_from_db()
    check_in.refresh_from_db()
    assert req.state == "in_progress" and check_in.state == "open"
    assert "handed the prescription to the resident" in page.content.decode()


def test_today_shows_a_bag_collected_and_not_handed_over(client, street, priya, mrs_ahmed,
                                                         tom):
    _on_the_way(client, street, priya, mrs_ahmed, tom)
    client.force_login(priya)
    page = client.get(reverse("groups:dashboard", args=[street.slug])).content.decode()
    assert "prescription collected, not yet handed over" in page


def test_a_controlled_drug_tick_after_assignment_stops_the_volunteer(client, street, priya,
                                                                    mrs_ahmed, tom):
    _policy(street, "vetted", "pharmacy")
    req = _prescription(street, priya, mrs_ahmed)
    prescriptions.do_record_collection(req, controlled_drug=False, bag_reference="BAG-9911",
                                       acting_user=priya)
    services.assign(req, tom, actor=priya, reason="Nearby")
    client.force_login(priya)
    saved = client.post(reverse("safety:collection", args=[street.slug, req.reference]),
                        {"controlled_drug": "on", "bag_reference": ""}, follow=True)
    assert "Take them off and assign someone who may" in saved.content.decode()
    client.force_login(tom)
    page = client.get(reverse("requests:task", args=[req.reference])).content.decode()
    assert "BAG-9911" not in page and "Please don" in page
    client.post(reverse("safety:collection_step", args=[req.reference]), {"step": "collected"})
    assert not Collection.objects.filter(collected_at__isnull=False).exists()


def test_an_open_offer_the_tick_now_refuses_is_withdrawn(street, priya, mrs_ahmed, ann):
    _policy(street, "vetted", "pharmacy")
    req = _matching(_prescription(street, priya, mrs_ahmed), priya)
    offers.offer_round(req, actor=priya)
    prescriptions.do_record_collection(req, controlled_drug=True, bag_reference=None,
                                       acting_user=priya)
    assert Offer.objects.get(request=req, volunteer=ann).state == Offer.State.WITHDRAWN


def test_prescription_steps_are_refused_on_another_kind_of_task(client, task, tom):
    client.force_login(tom)
    client.post(reverse("safety:collection_step", args=[task.reference]), {"step": "collected"})
    assert not Collection.objects.exists()
