"""Review M's safeguarding findings: no web log line ties an address to a report (S1), the
throttle keeps no address (S8), the leads' notes are sealed (S7), urgent alerts say so (S2),
action owners are told (S3), the words (S4), a group with no lead says so first (S5)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.safeguarding.conftest import PUBLIC_REPORT

pytestmark = pytest.mark.django_db


# --- S1: the report pages send no page address onwards


@pytest.mark.parametrize("name, method", [
    ("safeguarding:report_public", "get"), ("safeguarding:report_public", "post"),
    ("safeguarding:public_sent", "get"),
])
def test_the_public_report_pages_tell_browsers_to_name_only_the_site(client, street, lena, name,
                                                                  method):
    data = PUBLIC_REPORT if method == "post" else None
    response = getattr(client, method)(reverse(name, args=[street.slug]), data)
    assert response.status_code in (200, 302)
    # Not no-referrer: browsers would then post the form with Origin: null, which the CSRF
    # check refuses (tests/browser/test_safeguarding.py sends a report from Chromium).
    assert response["Referrer-Policy"] == "strict-origin"


@pytest.mark.parametrize("name, method", [
    ("safeguarding:report", "get"), ("safeguarding:report", "post"),
    ("safeguarding:reported", "get"),
])
def test_the_members_report_pages_tell_browsers_to_name_only_the_site(client, street, tom, lena,
                                                                   name, method):
    client.force_login(tom)
    data = PUBLIC_REPORT if method == "post" else None
    response = getattr(client, method)(reverse(name, args=[street.slug]), data)
    assert response.status_code in (200, 302)
    # Not no-referrer: browsers would then post the form with Origin: null, which the CSRF
    # check refuses (tests/browser/test_safeguarding.py sends a report from Chromium).
    assert response["Referrer-Policy"] == "strict-origin"


def test_other_pages_keep_the_sites_referrer_policy(client, street):
    response = client.get(reverse("directory:group", args=[street.slug]))
    assert response["Referrer-Policy"] == "same-origin"


# --- S8: the throttle's counters are not kept under an address


def _cache_keys() -> list[str]:
    from django.core.cache import cache

    return [str(key) for key in cache._cache]  # the local-memory cache the tests use


def test_the_report_forms_count_is_not_kept_under_the_reporters_address(client, street, lena):
    from django.core.cache import cache

    cache.clear()
    address = "203.0.113.77"
    response = client.post(reverse("safeguarding:report_public", args=[street.slug]),
                           PUBLIC_REPORT, REMOTE_ADDR=address)
    assert response.status_code == 302
    keys = [key for key in _cache_keys() if "throttle:" in key]
    assert keys  # it was counted...
    assert not any(address in key for key in keys)  # ...under no address
    assert not any(address.replace(".", "") in key.replace(".", "") for key in keys)


def test_every_throttle_scope_keys_its_visitor_with_the_digest_key():
    from kith.core import throttle
    from kith.core.digest import keyed_digest

    for scope, who in (("ask", "198.51.100.4"), ("api", "2001:db8::1"), ("status", "KT9-XYP")):
        counted = throttle.take(scope, who, limit=5, seconds=3600)
        assert counted is not None and counted.count == 1
        assert who not in counted.key
        assert keyed_digest("throttle", f"{scope}\x00{who}")[:32] in counted.key
        assert throttle.take(scope, who, limit=5, seconds=3600).count == 2  # the same counter


# --- S7: what the leads write is sealed


NOTE, OUTCOME = "Her nephew has her bank card", "Talked to her; nephew no longer has the card"


def _raw(table: str, column: str, pk: int) -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _worked_case(street, lena):
    from kith.safeguarding import services
    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    services.triage(case, actor=lena, kind=case.kind, urgency=case.urgency, risk="high",
                    triage_note=NOTE)
    action = services.add_action(case, actor=lena, what="Ring Mrs Ahmed's daughter")
    services.close(case, services.Outcome(outcome=OUTCOME, prevention="Cards stay with her",
                                          prevention_owner="Lena Novak"), actor=lena)
    return case, action


def test_the_leads_notes_are_stored_sealed(street, lena):
    case, action = _worked_case(street, lena)
    for column, plain in (("triage_note", NOTE), ("outcome", OUTCOME),
                          ("prevention", "Cards stay with her"),
                          ("prevention_owner", "Lena Novak")):
        stored = _raw("safeguarding_case", column, case.pk)
        assert stored and plain not in stored and "nephew" not in stored, column
    assert "Ring" not in _raw("safeguarding_caseaction", "what", action.pk)
    case.refresh_from_db()
    assert case.outcome._open() == OUTCOME  # sealed, not lost


def test_the_leads_read_them_on_the_case_page_each_look_logged(client, street, lena):
    from kith.core.models import PersonalDataAccess

    case, action = _worked_case(street, lena)
    client.force_login(lena)  # no two-factor: the page itself is the need-to-know, as before
    page = client.get(reverse("safeguarding:case", args=[street.slug, case.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for plain in (NOTE, "Talked to her; nephew no longer has the card", "Cards stay with her",
                  "Lena Novak", "Ring Mrs Ahmed&#x27;s daughter"):
        assert plain in text, plain
    assert "•••• hidden" not in text
    looks = PersonalDataAccess.objects.filter(viewer=lena)
    assert set(looks.values_list("subject_type", "subject_id")) == {
        ("safeguarding.case", str(case.pk)), ("safeguarding.caseaction", str(action.pk))}
    assert looks.get(subject_type="safeguarding.case").field == (
        "triage_note, outcome, prevention, prevention_owner")
    assert all(case.number in look.reason for look in looks)


def test_an_open_cases_triage_form_holds_the_note_and_saving_it_unchanged_writes_nothing(
        client, street, lena):
    from kith.core.models import AuditEvent
    from kith.safeguarding import services
    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    services.triage(case, actor=lena, kind=case.kind, urgency=case.urgency, risk="low",
                    triage_note=NOTE)
    client.force_login(lena)
    url = reverse("safeguarding:case", args=[street.slug, case.pk])
    assert NOTE in client.get(url).content.decode()
    before = AuditEvent.objects.filter(action="kith.case.triaged").count()
    posted = {"step": "triage", "kind": case.kind, "urgency": case.urgency, "risk": "low",
              "triage_note": NOTE}
    assert client.post(url, posted).status_code == 302
    assert AuditEvent.objects.filter(action="kith.case.triaged").count() == before


def test_the_migration_seals_notes_written_before_it(street, lena):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from kith.safeguarding.models import Case, CaseAction

    case, action = _worked_case(street, lena)
    with connection.cursor() as cursor:  # as they were stored before: plain
        cursor.execute("UPDATE safeguarding_case SET triage_note = %s, outcome = %s, "
                       "prevention = '', prevention_owner = 'Lena' WHERE id = %s",
                       [NOTE, OUTCOME, case.pk])
        cursor.execute("UPDATE safeguarding_caseaction SET what = 'Ring her' WHERE id = %s",
                       [action.pk])
    before = MigrationLoader(connection).project_state(("safeguarding", "0002_ico_decision")).apps
    importlib.import_module("kith.safeguarding.migrations.0003_seal_the_leads_notes").seal(
        before, None)
    assert NOTE not in _raw("safeguarding_case", "triage_note", case.pk)
    case = Case.objects.get(pk=case.pk)
    assert (case.triage_note._open(), case.outcome._open(), case.prevention,
            case.prevention_owner._open()) == (NOTE, OUTCOME, None, "Lena")
    assert CaseAction.objects.get(pk=action.pk).what._open() == "Ring her"


# --- S2: an urgent case's alert says so


@pytest.fixture
def sent(monkeypatch):
    """Each alert as send_later() was asked to send it."""
    from kith.requests import notify

    calls: list[dict] = []
    original = notify.send_later

    def recording(people, **kwargs):
        calls.append(kwargs)
        return original(people, **kwargs)

    monkeypatch.setattr(notify, "send_later", recording)
    return calls


def _alert_to(person):
    from kith.messaging.models import Message

    message = Message.objects.filter(person=person).latest("pk")
    return message.subject, message.body._open()


@pytest.mark.parametrize("urgency, urgent", [("now", True), ("not_urgent", False)])
def test_an_urgent_case_alert_says_so_and_is_sent_urgent(street, lena, sent, urgency, urgent):
    from tests.safeguarding.conftest import report_case

    case = report_case(street, urgency=urgency)
    subject, body = _alert_to(lena)
    assert ("URGENT" in subject) is urgent and ("at risk now" in subject) is urgent
    assert ("at risk now" in body) is urgent
    assert case.number in body and "paving" not in body + subject  # still no details
    assert sent[-1]["urgent"] is urgent


def test_with_no_lead_an_urgent_case_tells_the_coordinators_it_is_urgent(street, priya, sent):
    from tests.safeguarding.conftest import report_case

    report_case(street, urgency="now")  # no lead in the street, the ward or the borough
    subject, body = _alert_to(priya)
    assert "URGENT" in subject and "at risk now" in body
    assert sent[-1]["urgent"] is True


# --- S3: an action's owner is told


def test_a_coordinator_given_an_action_is_told_it_and_what_to_do(client, street, lena, priya):
    from kith.core.models import PersonalDataAccess
    from kith.messaging.models import Message
    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    client.force_login(lena)
    url = reverse("safeguarding:case", args=[street.slug, case.pk])
    posted = {"step": "action", "what": "Ring Mrs Ahmed and ask what happened",
              "owner": str(priya.pk), "due_on": ""}
    assert client.post(url, posted).status_code == 302
    subject, body = _alert_to(priya)
    assert case.number in subject
    assert "Ring Mrs Ahmed and ask what happened" in body
    assert "paving" not in body  # nothing of the report
    assert "Only the safeguarding leads can open the case" in body and "tell Lena Marsh" in body
    assert url not in body
    look = PersonalDataAccess.objects.get(viewer=priya)
    assert (look.subject_type, look.field) == ("safeguarding.caseaction", "what")
    # A lead giving themselves an action is not sent it.
    before = Message.objects.filter(person=lena).count()
    client.post(url, {**posted, "what": "Decide on the police", "owner": str(lena.pk)})
    assert Message.objects.filter(person=lena).count() == before


def test_a_lead_given_an_action_gets_the_case_link(street, lena):
    from kith.safeguarding import services
    from tests.conftest import _member
    from tests.safeguarding.conftest import report_case

    other_lead = _member(street, "lou@example.org", "Lou Reed", safeguarding_lead=True)
    case = report_case(street)
    services.add_action(case, actor=lena, what="Write to the council", owner=other_lead)
    _, body = _alert_to(other_lead)
    assert "Write to the council" in body and case.get_absolute_url() in body
    assert "Only the safeguarding leads" not in body


# --- S5: with no lead anywhere up the tree, the form says so before they write


def test_the_public_form_says_there_is_no_lead_before_they_write(client, street, priya):
    url = reverse("safeguarding:report_public", args=[street.slug])
    page = client.get(url).content.decode()
    assert "this group has no safeguarding lead yet" in page
    assert page.index("no safeguarding lead yet") < page.index('name="what_happened"')
    assert "Tell the group&#x27;s safeguarding lead" not in page


def test_the_forms_say_nothing_of_it_when_a_lead_above_reads_them(client, street, wanda, tom):
    page = client.get(reverse("safeguarding:report_public", args=[street.slug])).content.decode()
    assert "no safeguarding lead yet" not in page
    client.force_login(tom)
    page = client.get(reverse("safeguarding:report", args=[street.slug])).content.decode()
    assert "no safeguarding lead yet" not in page


def test_the_members_form_says_there_is_no_lead_too(client, street, tom):
    client.force_login(tom)
    page = client.get(reverse("safeguarding:report", args=[street.slug])).content.decode()
    assert "this group has no safeguarding lead yet" in page
