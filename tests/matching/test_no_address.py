"""Help at the door is not offered without an address (requests/visits.py): a round, the
sweep, the batch proposal and a series' next visit all stop and say what is missing, with a
link to the resident's correction page; adding the address lets it go out again."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from kith.matching import batch_offers, offers
from kith.requests import series
from kith.requests.models import HelpRequest
from kith.residents.services import correct_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def homeless_record(mrs_ahmed):
    """Mrs Ahmed as a web form leaves her: a postcode, and no address."""
    type(mrs_ahmed).objects.filter(pk=mrs_ahmed.pk).update(address=None)
    mrs_ahmed.refresh_from_db()
    return mrs_ahmed


def _edit_url(resident):
    return reverse("residents:edit", args=[resident.group.slug, resident.pk])


def test_a_round_offers_nobody_and_says_the_address_is_missing(
        crew, waiting, priya, homeless_record, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = offers.offer_round(waiting, actor=priya)
    assert suggestion.candidates == [] and not waiting.offers.exists()
    assert "Kith has no address for Mrs Ahmed" in suggestion.why_nobody
    assert suggestion.fix_url.startswith(_edit_url(homeless_record) + "?next=")
    assert "Kith has no address" in waiting.events.get(action="nobody_to_offer").note
    assert [m.to for m in mailoutbox] == [["priya@example.org"]]  # the coordinators, once


def test_the_sweep_offers_it_once_the_address_is_added(crew, waiting, priya, homeless_record):
    offers.offer_round(waiting, actor=None, automatic=True)
    assert offers.offer_waiting() == 0  # Kith has stopped offering it by itself
    correct_resident(homeless_record, acting_user=priya, address="14 Golborne Road")
    assert offers.offer_waiting() == 1
    assert HelpRequest.objects.get(pk=waiting.pk).state == "offered"


def test_the_request_page_links_to_where_to_add_it(client, crew, waiting, priya,
                                                   homeless_record):
    client.force_login(priya)
    page = client.get(waiting.get_absolute_url()).content.decode()
    assert "Kith has no address for Mrs Ahmed" in page
    assert f'href="{_edit_url(homeless_record)}?next=' in page and "Add it now" in page


def test_the_batch_proposal_leaves_it_out_with_the_link(crew, waiting, homeless_record):
    proposal = batch_offers.propose(waiting.group)
    assert proposal.matched == []
    row = proposal.unmatched[0]
    assert "Kith has no address" in row.why and row.fix_url.startswith(_edit_url(homeless_record))


def test_a_series_visit_without_an_address_waits_for_matching(street, priya, tom,
                                                             homeless_record):
    from tests.requests.conftest import clear_to_help

    clear_to_help(tom, street, coordinator=priya)
    regular = series.start_series(street, resident=homeless_record, service="shopping",
                                  cadence="weekly", first_date=date.today(), volunteer=tom,
                                  actor=priya)
    visit = series.make_occurrence(regular)
    assert visit.state == "matching" and not visit.assignments.exists()
