"""An erased resident's page is a tombstone (review 16, #1): it says when they were erased
and offers nothing to do; every page that acts on a resident refuses them, so no one can give
the row a name, a phone or regular help again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.erasure import services as erasure
from kith.requests.models import Series
from kith.residents.models import Resident
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mabel(street, priya):
    """Mabel asked to be erased, and was."""
    mabel = ResidentFactory(group=street, name="Mabel Jones")
    erasure.erase_resident(mabel, by=priya, why="request")
    return Resident.objects.get(pk=mabel.pk)


def _url(name, street, resident):
    return reverse(name, args=[street.slug, resident.pk])


def test_the_page_says_when_they_were_erased_and_offers_nothing(client, street, priya, mabel):
    client.force_login(priya)
    page = client.get(_url("residents:detail", street, mabel))
    assert page.status_code == 200
    today = timezone.localdate().strftime("%-d %B %Y")
    assert f"This resident's details were erased on {today}, at their request." in page.text
    for action in ("residents:edit", "transparency:resident_copy",
                   "transparency:resident_consents", "erasure:resident"):
        assert _url(action, street, mabel) not in page.text, action
    for words in ("Correct their details", "Start regular help", "Add to the exclusion list",
                  "Report a safeguarding concern", "Check-in calls", "Why do you need"):
        assert words not in page.text, words


def test_a_check_in_posted_to_the_page_changes_nothing(client, street, priya, mabel):
    client.force_login(priya)
    page = client.post(_url("residents:detail", street, mabel),
                       {"at_risk": "on", "every_days": "7"})
    assert page.status_code == 403
    assert not Resident.objects.get(pk=mabel.pk).at_risk


def test_their_details_cannot_be_corrected_back(client, street, priya, mabel):
    from tests.conftest import confirm_two_factor, enable_totp

    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    url = _url("residents:edit", street, mabel)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Mabel Jones", "phone": "07700 900123"}).status_code == 404
    row = Resident.objects.get(pk=mabel.pk)
    assert row.name == f"Erased resident #{mabel.pk}" and not row.phone_digest


def test_no_copy_or_consents_for_someone_erased(client, street, priya, mabel):
    client.force_login(priya)
    for name in ("transparency:resident_copy", "transparency:resident_consents"):
        assert client.get(_url(name, street, mabel)).status_code == 404, name
        assert client.post(_url(name, street, mabel),
                           {"reason": "She asked", "action": "stop:messages:offers"}
                           ).status_code == 404, name


def test_no_regular_help_or_exclusion_for_someone_erased(client, street, priya, mabel):
    client.force_login(priya)
    series_new = reverse("requests:series_new", args=[street.slug])
    form = client.get(series_new, {"resident": mabel.pk}).text
    assert f'value="{mabel.pk}"' not in form
    posted = client.post(series_new, {
        "resident": mabel.pk, "service": "shopping", "cadence": "weekly",
        "first_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "when": "Mornings", "details": "", "volunteer": ""})
    assert posted.status_code == 400 and not Series.objects.exists()
    exclusions = reverse("requests:exclusions", args=[street.slug])
    assert client.get(exclusions, {"resident": mabel.pk}).status_code == 404


def test_a_concern_about_them_is_filed_without_their_row(client, street, priya, mabel):
    from kith.safeguarding.models import Case

    client.force_login(priya)
    page = client.get(reverse("safeguarding:report", args=[street.slug]),
                      {"resident": mabel.pk})
    assert mabel.name not in page.text
    assert not Case.objects.filter(resident=mabel).exists()


def test_the_phone_intake_will_not_take_a_request_for_an_erased_resident(street, mabel):
    from kith.requests.forms_queue import IntakeForm

    form = IntakeForm({"resident": str(mabel.pk)}, group=street, consent_on_file=False)
    form.is_valid()
    assert form.errors["resident"] == ["That resident is not in this group. Search again."]


def test_the_phone_intake_does_not_open_for_an_erased_resident(client, street, sam, mabel):
    client.force_login(sam)
    url = reverse("requests:intake", args=[street.slug]) + f"?resident={mabel.pk}"
    assert client.get(url).status_code == 404
