"""Signposting as data: Priya could not help Mrs Ahmed with her shopping and points her to the
ward's food bank; Sam, on a check-up call, finds she needs more help and points her to the
street's kitchen. Each is kept as a row, a linked line on the timeline and an audit row, and
counted on the group's figures. Lots Road's pantry is never offered, and never accepted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.groups.figures import figures_with_children
from kith.requests import check_ups, lifecycle
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import Callback, RequestEvent
from kith.signposting.models import Signposting
from tests.conftest import confirm_two_factor, enable_totp
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

SLUG = "golborne-road"


@pytest.fixture
def ask(street, mrs_ahmed):
    return take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                        need=Need(service="shopping"), resident=mrs_ahmed).request


@pytest.fixture
def directory(food_bank, advice_line, kitchen, far_pantry):
    return {"food_bank": food_bank, "advice_line": advice_line, "kitchen": kitchen,
            "far_pantry": far_pantry}


def _move(client, req, **data):
    return client.post(reverse("requests:move", args=[SLUG, req.reference]),
                       {"action": "could_not_help", **data})


def _detail(client, req) -> str:
    return client.get(reverse("requests:detail", args=[SLUG, req.reference])).content.decode()


def _errors(text: str) -> str:
    return " ".join(text.split())


# --- "could not help" on the request's page ----------------------------------------------

def test_the_form_offers_the_services_the_street_sees_food_first(client, priya, ask, directory):
    client.force_login(priya)
    page = _detail(client, ask)
    offered = re.findall(r'name="services" value="(\d+)"', page)
    d = directory
    # Shopping: the food services first, nearest her sector's middle first (the food bank's
    # W10 5AA is about 480 m away, the kitchen's W10 5BT about 890 m), then the rest; Lots
    # Road's pantry is another street's, never offered.
    assert offered == [str(d["food_bank"].pk), str(d["kitchen"].pk), str(d["advice_line"].pk)]
    assert "Which local service did you point them to?" in page


def test_could_not_help_with_a_service_is_kept_as_data_on_the_timeline(client, priya, ask,
                                                                        street, directory):
    client.force_login(priya)
    food_bank = directory["food_bank"]
    response = _move(client, ask, services=[str(food_bank.pk)], note="")
    assert response.status_code == 302
    ask.refresh_from_db()
    assert ask.state == lifecycle.COULD_NOT_HELP
    row = Signposting.objects.get()
    assert (row.request, row.service, row.group, row.via, row.created_by, row.callback) == (
        ask, food_bank, street, Signposting.Via.COULD_NOT_HELP, priya, None)
    audit = AuditEvent.objects.get(action="kith.signposting.recorded")
    assert audit.new["local_service"] == food_bank.pk and audit.actor == priya
    move_audit = AuditEvent.objects.get(action="kith.request.could_not_help")
    assert move_audit.new["signposted_to"] == [food_bank.pk]
    page = _errors(_detail(client, ask))
    link = reverse("signposting:detail", args=[SLUG, food_bank.pk])
    assert f'Signposted to <a href="{link}">Portobello Food Bank</a>' in page
    assert "(North Kensington Pantry Trust)" in page


def test_two_services_make_two_rows_and_the_note_is_kept_too(client, sam, ask, directory):
    client.force_login(sam)
    d = directory
    response = _move(client, ask, services=[str(d["advice_line"].pk), str(d["kitchen"].pk)],
                     note="Also gave her the council's number")
    assert response.status_code == 302
    assert sorted(Signposting.objects.values_list("service__name", flat=True)) == [
        "Befriending line", "Community kitchen"]
    assert RequestEvent.objects.get(request=ask, action="could_not_help").note == (
        "Also gave her the council's number")
    assert RequestEvent.objects.filter(request=ask, action="signposted").count() == 2


def test_without_a_service_the_note_is_needed(client, priya, ask, directory):
    client.force_login(priya)
    response = _move(client, ask, note="  ")
    assert response.status_code == 400
    assert "Pick the service you pointed them to, or say where you signposted them." in (
        _errors(response.content.decode()))
    ask.refresh_from_db()
    assert ask.state == lifecycle.NEW
    response = _move(client, ask, note="Told her about the church lunch club")
    assert response.status_code == 302
    ask.refresh_from_db()
    assert ask.state == lifecycle.COULD_NOT_HELP and not Signposting.objects.exists()
    assert RequestEvent.objects.get(request=ask, action="could_not_help").note == (
        "Told her about the church lunch club")


@pytest.mark.parametrize("which", ["far_pantry", "made_up", "not_a_number"])
def test_a_service_from_another_tree_or_made_up_is_refused_keeping_what_was_typed(
        client, priya, ask, directory, which):
    client.force_login(priya)
    value = {"far_pantry": str(directory["far_pantry"].pk), "made_up": "987654",
             "not_a_number": "food-bank'--"}[which]
    typed = "Gave her the pantry leaflet"
    kitchen = str(directory["kitchen"].pk)
    response = _move(client, ask, services=[kitchen, value], note=typed)
    assert response.status_code == 400
    page = _errors(response.content.decode())
    assert "Choose from the services listed" in page
    assert f'value="{typed}"' in page  # the note, as typed
    assert re.search(rf'value="{kitchen}" checked', page)  # the good tick, still ticked
    ask.refresh_from_db()
    assert ask.state == lifecycle.NEW
    assert not Signposting.objects.exists()


def test_a_group_with_no_directory_still_records_could_not_help_as_before(client, priya, ask):
    client.force_login(priya)
    page = _detail(client, ask)
    assert 'name="services"' not in page and "Where did you signpost them?" in page
    assert _move(client, ask, note="Citizens Advice").status_code == 302


# --- a check-up that finds they need more help --------------------------------------------

@pytest.fixture
def sam_on_call(client, sam):
    enable_totp(sam)
    client.force_login(sam)
    confirm_two_factor(client)
    return client


@pytest.fixture
def check_up(ask):
    return check_ups.book(ask, at=timezone.now() - timedelta(minutes=1), actor=None)


def _call(client, cb, **data):
    client.post(reverse("requests:claim", args=[SLUG, cb.pk]))
    return client.post(reverse("requests:attempt", args=[SLUG, cb.pk]), data)


def test_a_check_up_needing_more_help_records_the_service(sam_on_call, sam, ask, check_up,
                                                          directory):
    sam_on_call.post(reverse("requests:claim", args=[SLUG, check_up.pk]))
    page = sam_on_call.get(reverse("requests:callback", args=[SLUG, check_up.pk])).content.decode()
    assert "If they need more help, which local services did you point them to?" in page
    assert f'value="{directory["far_pantry"].pk}"' not in page
    kitchen = directory["kitchen"]
    response = _call(sam_on_call, check_up, outcome="reached", result="more_help",
                     services=[str(kitchen.pk)])
    assert response.status_code == 302
    assert response.url == reverse("requests:queue", args=[SLUG])
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("signposted to Community kitchen" in m for m in said)
    row = Signposting.objects.get()
    assert (row.service, row.via, row.callback_id, row.request) == (
        kitchen, Signposting.Via.MORE_HELP, check_up.pk, ask)
    check_up.refresh_from_db()
    assert (check_up.outcome, check_up.result) == ("reached", Callback.Result.MORE_HELP)
    assert RequestEvent.objects.filter(request=ask, action="signposted").count() == 1


def test_a_service_ticked_when_all_is_well_is_refused(sam_on_call, ask, check_up, directory):
    response = _call(sam_on_call, check_up, outcome="reached", result="all_well",
                     note="She is fine", services=[str(directory["kitchen"].pk)])
    assert response.status_code == 400
    page = _errors(response.content.decode())
    assert "Tick a service only when you reached them and they need more help." in page
    assert "She is fine" in page
    check_up.refresh_from_db()
    assert check_up.outcome == "" and not Signposting.objects.exists()


def test_a_check_up_refuses_another_streets_service(sam_on_call, ask, check_up, directory):
    response = _call(sam_on_call, check_up, outcome="reached", result="more_help",
                     services=[str(directory["far_pantry"].pk)])
    assert response.status_code == 400
    assert "Choose from the services listed" in _errors(response.content.decode())
    assert not Signposting.objects.exists()


# --- the group's figures ------------------------------------------------------------------

def test_the_figures_count_this_month_and_name_the_top_services(client, priya, street, ward,
                                                                directory):
    from kith.signposting.signposts import could_not_help

    d = directory
    asks = [take_request(street, channel="web", contact=Contact(name=name),
                         need=Need(service="shopping"), resident=ResidentFactory(
                             group=street, name=name)).request
            for name in ("Mrs Ahmed", "Mr Lewis", "Ms Okoro")]
    could_not_help(asks[0], services=[d["food_bank"]], note="", actor=priya)
    could_not_help(asks[1], services=[d["food_bank"], d["kitchen"]], note="", actor=priya)
    could_not_help(asks[2], services=[d["kitchen"]], note="", actor=priya)
    # Last month's does not count this month.
    Signposting.objects.filter(request=asks[2]).update(
        created_at=timezone.now() - timedelta(days=40))
    own, _ = figures_with_children(street)
    assert own.signposted == 2  # people: Mr Lewis given two services is one person
    assert own.top_services == [("Portobello Food Bank (North Kensington Pantry Trust)", 2),
                                ("Community kitchen (Golborne Kitchen Collective)", 1)]
    ward_own, children = figures_with_children(ward)
    assert ward_own.signposted == 0 and ward_own.top_services == []
    assert {child.slug: fig.signposted for child, fig in children} == {
        "golborne-road": 2, "lots-road": 0}
    client.force_login(priya)
    page = _errors(client.get(reverse("groups:dashboard", args=[SLUG])).content.decode())
    assert "2</span> people signposted to a local service this month" in page
    assert "Portobello Food Bank (North Kensington Pantry Trust): 2 times" in page


def test_the_figures_take_no_more_queries_as_signposting_grows(priya, street, ward, directory,
                                                               django_assert_max_num_queries):
    from kith.signposting.signposts import could_not_help

    def signpost(n: int) -> None:
        for i in range(n):
            name = f"Resident {Signposting.objects.count()}-{i}"
            req = take_request(street, channel="web", contact=Contact(name=name),
                               need=Need(service="shopping"),
                               resident=ResidentFactory(group=street, name=name)).request
            could_not_help(req, services=[directory["food_bank"], directory["kitchen"]],
                           note="", actor=priya)

    signpost(1)
    # The tree below the street, its groups, members, residents, signposted, the top five.
    with django_assert_max_num_queries(6):
        figures_with_children(street)
    signpost(6)
    with django_assert_max_num_queries(6):
        own, _ = figures_with_children(street)
    assert own.signposted == 7 and own.top_services[0][1] == 7  # people; each service 7


# --- the timeline's names, registered by the apps that add lines --------------------------

def test_the_signposting_app_names_its_timeline_lines_through_the_registry(sam, ask):
    from kith.requests.moves import add_event
    from kith.requests.timeline import register_labels

    line = add_event(ask, "referral_sent", actor=sam, note="To the food bank")
    assert line.label == "Referred to a local service"
    register_labels({"referral_sent": "Referred to a local service"})  # the same name: fine
    with pytest.raises(ValueError, match="referral_sent"):
        register_labels({"referral_sent": "Something else"})
    assert RequestEvent.objects.get(pk=line.pk).label == "Referred to a local service"
