"""Incident reports: anonymous by default (the reporter stored nowhere), the victim's details
only with their permission, the public form rate limited, the leads told with a link only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.messaging.models import Message
from kith.safeguarding.models import Case
from tests.safeguarding.conftest import PUBLIC_REPORT

pytestmark = pytest.mark.django_db


def _everything_stored_about(case: Case) -> str:
    """Every value of the case's row (sealed ones opened), its audit and access rows and every
    message in the outbox, as one string to search."""
    from django.forms.models import model_to_dict

    parts = [repr(model_to_dict(case))]
    parts += [str(getattr(case, f)._open()) for f in ("what_happened", "contact", "victim")
              if getattr(case, f)]
    for row in AuditEvent.objects.all():
        parts.append(repr((row.actor_id, row.request_id, row.object_repr, row.old, row.new)))
    for row in PersonalDataAccess.objects.all():
        parts.append(repr((row.viewer_id, row.subject_repr, row.reason, row.request_id)))
    for message in Message.objects.all():
        body = message.body._open() if getattr(message, "body", None) else ""
        parts.append(repr((message.person_id, message.subject, body)))
    return "\n".join(parts)


def test_a_volunteers_anonymous_report_stores_them_nowhere(client, street, tom, lena):
    client.force_login(tom)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    response = client.post(reverse("safeguarding:report", args=[street.slug]), PUBLIC_REPORT)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reporter is None and case.source == Case.Source.VOLUNTEER
    row = AuditEvent.objects.exclude(pk__in=before).get(action="kith.case.reported")
    assert row.actor is None and row.request_id == ""
    assert row.new["anonymous"] is True
    # By id: no row links to him (the case, the trail, the access log, the outbox)...
    assert not AuditEvent.objects.exclude(pk__in=before).filter(actor=tom).exists()
    assert not PersonalDataAccess.objects.filter(viewer=tom).exists()
    assert not Message.objects.filter(person=tom).exists()
    assert tom.pk not in [case.reporter_id, case.triaged_by_id, case.closed_by_id]
    # ...and by words: his email and name appear nowhere, sealed values opened.
    stored = _everything_stored_about(case)
    for trace in (tom.email, tom.display_name, "Tom"):
        assert trace not in stored, trace
    # The leads are told, with a link and no details.
    alert = Message.objects.get(person=lena)
    assert alert.template == "safeguarding/email/new_case.txt"
    assert "shouted" not in alert.subject


def test_a_public_report_is_anonymous_and_urgent_ones_skip_quiet_hours(client, street, lena):
    response = client.post(reverse("safeguarding:report_public", args=[street.slug]),
                           PUBLIC_REPORT)
    assert response.status_code == 302
    assert response.url == reverse("safeguarding:public_sent", args=[street.slug])
    case = Case.objects.get()
    assert (case.source, case.reporter, case.urgency) == ("public", None, "now")
    assert case.what_happened._open().startswith("The man who brought")
    row = AuditEvent.objects.get(action="kith.case.reported")
    assert row.actor is None and row.request_id == ""
    assert not client.session.keys() - {"_csrftoken"}  # nothing kept in the session either
    assert Message.objects.filter(person=lena).count() == 1


def test_a_named_report_names_its_reporter(client, street, tom, lena):
    client.force_login(tom)
    client.post(reverse("safeguarding:report", args=[street.slug]),
                {**PUBLIC_REPORT, "named": "on", "wants_contact": "on",
                 "contact": "Tom, 07700 900123"})
    case = Case.objects.get()
    assert case.reporter == tom and case.contact._open() == "Tom, 07700 900123"
    assert AuditEvent.objects.get(action="kith.case.reported").actor == tom


def test_victims_details_need_their_permission_and_what_was_typed_stays(client, street):
    url = reverse("safeguarding:report_public", args=[street.slug])
    response = client.post(url, {**PUBLIC_REPORT, "victim": "Mrs Ahmed, flat 3"})
    assert response.status_code == 400
    assert "unless they agreed" in response.content.decode()
    assert "The man who brought my shopping shouted at me." in response.content.decode()
    assert not Case.objects.exists()
    client.post(url, {**PUBLIC_REPORT, "victim": "Mrs Ahmed, flat 3", "victim_consent": "yes"})
    assert Case.objects.get().victim._open() == "Mrs Ahmed, flat 3"


def test_asking_to_be_contacted_needs_a_way_to(client, street):
    response = client.post(reverse("safeguarding:report_public", args=[street.slug]),
                           {**PUBLIC_REPORT, "wants_contact": "on"})
    assert response.status_code == 400
    assert "Say how we can contact you" in response.content.decode()


def test_the_public_form_is_rate_limited_and_keeps_what_was_typed(client, street):
    from kith.safeguarding.views import REPORT_LIMIT

    url = reverse("safeguarding:report_public", args=[street.slug])
    for _ in range(REPORT_LIMIT):
        assert client.post(url, PUBLIC_REPORT).status_code == 302
    response = client.post(url, PUBLIC_REPORT)
    assert response.status_code == 429
    assert "shouted at me" in response.content.decode()
    assert Case.objects.count() == REPORT_LIMIT


def test_the_limit_is_per_group_and_the_form_says_what_is_kept(client, street, other_street):
    from kith.safeguarding.views import REPORT_LIMIT

    assert REPORT_LIMIT == 10
    url = reverse("safeguarding:report_public", args=[street.slug])
    for _ in range(REPORT_LIMIT):
        assert client.post(url, PUBLIC_REPORT).status_code == 302
    assert client.post(url, PUBLIC_REPORT).status_code == 429
    # Another group's form from the same connection still takes a report.
    elsewhere = reverse("safeguarding:report_public", args=[other_street.slug])
    page = client.get(elsewhere).content.decode()
    assert "for one hour" in page and "not linked to your report" in page
    assert client.post(elsewhere, PUBLIC_REPORT).status_code == 302


def test_mistakes_do_not_use_up_the_limit(client, street):
    from kith.safeguarding.views import REPORT_LIMIT

    url = reverse("safeguarding:report_public", args=[street.slug])
    for _ in range(REPORT_LIMIT + 2):
        assert client.post(url, {**PUBLIC_REPORT, "kind": ""}).status_code == 400
    assert client.post(url, PUBLIC_REPORT).status_code == 302


def test_with_no_lead_anywhere_the_coordinators_are_asked_to_name_one(client, street, priya):
    client.post(reverse("safeguarding:report_public", args=[street.slug]), PUBLIC_REPORT)
    alert = Message.objects.get(person=priya)
    assert alert.template == "safeguarding/email/no_lead.txt"


def test_a_call_handler_files_for_a_resident_from_the_request(client, street, sam, priya,
                                                             mrs_ahmed, lena):
    from kith.requests.intake import Contact, Need, take_request

    req = take_request(street, channel="phone", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), resident=mrs_ahmed, acting_user=sam).request
    client.force_login(sam)
    url = reverse("safeguarding:report", args=[street.slug]) + f"?request={req.reference}"
    page = client.get(url)
    assert req.reference in page.content.decode()
    client.post(url, {**PUBLIC_REPORT, "request": req.reference})
    case = Case.objects.get()
    assert (case.source, case.request, case.resident, case.reporter) == (
        "call", req, mrs_ahmed, None)


def test_a_call_handler_files_for_a_resident_from_their_page(client, street, sam, mrs_ahmed,
                                                             nadia, other_street):
    from tests.factories import ResidentFactory

    client.force_login(sam)
    url = reverse("safeguarding:report", args=[street.slug])
    assert "Mrs Ahmed" in client.get(f"{url}?resident={mrs_ahmed.pk}").content.decode()
    client.post(url, {**PUBLIC_REPORT, "resident": str(mrs_ahmed.pk)})
    case = Case.objects.get()
    assert (case.source, case.resident) == ("call", mrs_ahmed)
    # Another group's resident is simply not linked.
    elsewhere = ResidentFactory(group=other_street, name="Mr Lowe")
    client.post(url, {**PUBLIC_REPORT, "resident": str(elsewhere.pk)})
    assert Case.objects.latest("pk").resident is None


def test_a_volunteer_reports_from_their_task_and_only_their_task_is_linked(client, street, tom,
                                                                           priya, mrs_ahmed):
    from kith.requests import services as request_services
    from kith.requests.intake import Contact, Need, take_request
    from tests.factories import MembershipFactory, PersonFactory
    from tests.requests.conftest import clear_to_help

    clear_to_help(tom, street, coordinator=priya)
    req = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="befriending"), resident=mrs_ahmed).request
    request_services.transition(req, "triage", actor=priya)
    request_services.assign(req, tom, actor=priya, reason="Lives nearby")
    client.force_login(tom)
    task = client.get(reverse("requests:task", args=[req.reference])).content.decode()
    report_url = reverse("safeguarding:report", args=[street.slug]) + f"?request={req.reference}"
    assert report_url in task
    # Anonymous, the task (which names him) is linked only if he ticks that the lead may know.
    page = client.get(report_url).content.decode()
    assert "the lead will then be able to tell the report came from you" in page
    client.post(report_url, {**PUBLIC_REPORT, "request": req.reference})
    unlinked = Case.objects.get()
    assert (unlinked.request, unlinked.resident) == (None, None)
    client.post(report_url, {**PUBLIC_REPORT, "request": req.reference, "link_task": "on"})
    assert Case.objects.latest("pk").request == req
    # Another volunteer cannot tie a report to a task that is not theirs.
    kim = PersonFactory(email="kim@example.org", display_name="Kim Lee")
    MembershipFactory(person=kim, group=street, is_volunteer=True)
    client.force_login(kim)
    client.post(report_url, {**PUBLIC_REPORT, "request": req.reference})
    assert Case.objects.latest("pk").request is None
