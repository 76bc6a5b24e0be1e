"""The resident's one-time link and code; a person's own copy behind a fresh code."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.messaging.models import Message
from kith.transparency.models import ExportLink
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db


def _make(client, priya, mrs_ahmed):
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    url = reverse("transparency:resident_copy", args=[mrs_ahmed.group.slug, mrs_ahmed.pk])
    response = client.post(url, {"reason": "She asked on the phone"})
    assert response.status_code == 200
    page = response.content.decode()
    link = re.search(r"http://testserver(/copy/[^<\s]+/)", page).group(1)
    code = re.search(r'class="big-code"><strong>(\d{6})<', page).group(1)
    return link, code


def test_a_coordinator_makes_a_link_that_works_once_with_its_code(client, priya, mrs_ahmed):
    link, code = _make(client, priya, mrs_ahmed)
    looks = PersonalDataAccess.objects.filter(viewer=priya, reason="She asked on the phone")
    assert looks.filter(subject_type="residents.resident", subject_id=str(mrs_ahmed.pk)).exists()
    client.logout()
    assert client.get(link).status_code == 200
    assert client.post(link, {"code": code}).status_code == 302
    page = client.get(link)
    assert page.status_code == 200 and mrs_ahmed.name in page.content.decode()
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]
    assert client.get(link + "data.json").status_code == 200
    client.cookies.clear()  # another browser: the link has been used
    refused = client.post(link, {"code": code})
    assert refused.status_code == 400 and "used or locked" in refused.content.decode()
    assert set(AuditEvent.objects.filter(action__startswith="kith.export.")
               .values_list("action", flat=True)) == {"kith.export.made", "kith.export.used"}


def test_wrong_codes_lock_the_link(client, priya, mrs_ahmed):
    link, code = _make(client, priya, mrs_ahmed)
    client.logout()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(ExportLink.MAX_TRIES):
        assert client.post(link, {"code": wrong}).status_code == 400
    made = ExportLink.objects.get()
    assert made.locked_at is not None and made.payload is None
    assert "used or locked" in client.post(link, {"code": code}).content.decode()
    assert AuditEvent.objects.filter(action="kith.export.locked").count() == 1
    assert AuditEvent.objects.filter(action="kith.export.code_wrong").count() == \
        ExportLink.MAX_TRIES - 1


def test_an_expired_link_is_refused_and_emptied(client, priya, mrs_ahmed):
    link, code = _make(client, priya, mrs_ahmed)
    ExportLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(link, {"code": code})
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert ExportLink.objects.get().payload is None


def test_bad_input_keeps_what_they_typed_and_an_unknown_link_is_404(client, priya, mrs_ahmed):
    link, _code = _make(client, priya, mrs_ahmed)
    response = client.post(link, {"code": "12ab"})
    assert response.status_code == 400 and 'value="12ab"' in response.content.decode()
    assert client.get("/copy/not-a-link/").status_code == 404
    assert client.get("/copy/not-a-link/data.json").status_code == 404


def test_other_groups_and_other_roles_cannot_make_one(client, nadia, sam, mrs_ahmed):
    url = reverse("transparency:resident_copy", args=[mrs_ahmed.group.slug, mrs_ahmed.pk])
    client.force_login(nadia)
    assert client.post(url, {"reason": "x"}).status_code == 404
    other = reverse("transparency:resident_copy", args=[nadia.memberships.get().group.slug,
                                                        mrs_ahmed.pk])
    assert client.get(other).status_code == 404  # her own group: no such resident
    client.force_login(sam)
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert not ExportLink.objects.exists()


def test_without_two_factor_this_session_no_copy_is_made(client, priya, mrs_ahmed):
    enable_totp(priya)
    client.force_login(priya)
    url = reverse("transparency:resident_copy", args=[mrs_ahmed.group.slug, mrs_ahmed.pk])
    response = client.post(url, {"reason": "She asked"})
    assert response.status_code == 400
    assert not ExportLink.objects.exists() and not PersonalDataAccess.objects.exists()


def test_a_volunteer_downloads_their_own_copy_after_a_fresh_code(client, tom):
    client.force_login(tom)
    own = reverse("transparency:own")
    assert client.get(reverse("transparency:own_copy")).status_code == 302
    client.post(own, {"action": "send"})
    message = Message.objects.get(person=tom, template="transparency/email/own_code.txt")
    code = re.search(r"\b(\d{6})\b", message.body._open()).group(1)
    wrong = client.post(own, {"action": "check", "code": "999999" if code != "999999" else "1"})
    assert wrong.status_code == 400
    assert client.post(own, {"action": "check", "code": code}).status_code == 302
    page = client.get(reverse("transparency:own_copy"))
    assert page.status_code == 200 and tom.email in page.content.decode()
    data = client.get(reverse("transparency:own_copy_json"))
    assert data["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="kith.export.own_downloaded", actor=tom).count() == 2


def test_the_sweep_empties_copies_past_their_time_once(client, priya, mrs_ahmed):
    from kith.requests.sweeps import tick
    from kith.transparency.services import READ_WINDOW

    _make(client, priya, mrs_ahmed)
    url = reverse("transparency:resident_copy", args=[mrs_ahmed.group.slug, mrs_ahmed.pk])
    assert client.post(url, {"reason": "Asked again"}).status_code == 200  # same session
    first, second = ExportLink.objects.order_by("pk")
    assert tick()["data_copies_emptied"] == 0
    ExportLink.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    ExportLink.objects.filter(pk=second.pk).update(used_at=timezone.now() - READ_WINDOW)
    assert tick()["data_copies_emptied"] == 2
    assert tick()["data_copies_emptied"] == 0
    assert not ExportLink.objects.filter(payload__isnull=False).exists()


def test_the_audit_trail_says_when_a_copys_link_expires_not_an_offer(client, priya, mrs_ahmed):
    """Finding 4: the row for a copy's link reads "Link expires", not the offers' words."""
    from kith.core.audit_words import lines

    _make(client, priya, mrs_ahmed)
    (made,) = lines(AuditEvent.objects.filter(action="kith.export.made"))
    labels = [change.label for change in made.changes]
    assert "Link expires" in labels and "Offer ends" not in labels


def test_the_link_can_be_texted_to_her_mobile_and_never_the_code(client, priya, street):
    from kith.residents.services import register_resident

    mrs_ahmed = register_resident(street, acting_user=None, name="Mrs Ahmed",
                                  postcode="W10 5NW", phone="+447911123456")
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    url = reverse("transparency:resident_copy", args=[mrs_ahmed.group.slug, mrs_ahmed.pk])
    page = client.post(url, {"reason": "She asked on the phone", "text_link": "on"}).text
    assert "on its way to their phone by text" in page
    code = re.search(r'class="big-code"><strong>(\d{6})<', page).group(1)
    text = Message.objects.get(template="transparency/copy_link")
    body = text.body._open()
    assert "/copy/" in body and code not in body
    assert AuditEvent.objects.filter(action="kith.export.link_texted").exists()


def test_a_waiting_link_can_be_stopped(client, priya, mrs_ahmed):
    link, code = _make(client, priya, mrs_ahmed)
    waiting = ExportLink.objects.get()
    url = reverse("transparency:resident_copy", args=[mrs_ahmed.group.slug, mrs_ahmed.pk])
    assert client.post(url, {"cancel": str(waiting.pk)}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == "expired" and waiting.payload is None
    client.logout()
    assert client.post(link, {"code": code}).status_code == 400
    assert AuditEvent.objects.filter(action="kith.export.cancelled").exists()
