"""Every link in every message Kith sends works, on the address Kith is served on.

The demo is served on 127.0.0.1:8123 here. The test runs every flow that sends mail or a text
message (sign-up, invitations, asks, exclusions, status codes, assignments, reminders,
releases, escalations, offers, runs, listings, imports), collects what was sent, and follows
each link as the person it was sent to: every one must open (200) or ask them to sign in, and
none may point anywhere but 127.0.0.1:8123.

While answering a web request, links are built from that request's address, so for that part
SITE_URL points somewhere else entirely: a link built from the setting would fail. The sweep,
the commands and services run outside a request use SITE_URL, set as `make serve` sets it.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

import kith
from kith.core import sms
from kith.groups.models import Group, Invitation
from kith.requests.models import HelpRequest
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)  # mail goes out when the view commits

SERVED_HOST = "127.0.0.1:8123"
SERVED = f"http://{SERVED_HOST}"
ELSEWHERE = "http://127.0.0.1:8000"  # SITE_URL while requests are answered: must not be used
LINK = re.compile(r"https?://[^\s<>\"')\]]+")
SIGN_IN_PAGES = ("/accounts/login/",)
FIXTURES = Path(__file__).parent / "volunteers" / "fixtures"
SOURCE = Path(kith.__file__).parent

ASK = {
    "name": "Joan", "phone": "07911 123456", "email": "joan@example.org", "contact_by": "call",
    "postcode": "W10 5NW", "language": "", "service": "shopping", "details": "Milk",
    "urgency": "soon", "when": "", "consent": "on",
}
JOIN = {
    "display_name": "Kasia Nowak", "email": "kasia@example.org", "phone": "07911 123499",
    "services": ["shopping"], "availability": ["mon_eve"], "languages": "English",
    "transport": "foot", "radius_km": "2", "weekly_cap": "2", "postcode": "W10 5NW",
    "consent_data": "on", "consent_adult": "on", "consent_unpaid": "on", "consent_safety": "on",
}


def served(person=None) -> Client:
    """A browser on the served address, signed in as `person` if given."""
    client = Client(HTTP_HOST=SERVED_HOST)
    if person is not None:
        client.force_login(person)
    return client


class Sent(set):
    """Templates send_templated rendered; `by_allauth`, those allauth rendered for its own mail
    (sign-in codes, address checks, in Kith's words from accounts/templates). Their links are
    followed like any other, but a code email need not have one."""

    def __init__(self):
        super().__init__()
        self.by_allauth: set[str] = set()


@pytest.fixture
def templates_sent(monkeypatch):
    """The name of every template the outbox renders (and allauth's, in `by_allauth`)."""
    import allauth.account.adapter as allauth_adapter

    import kith.messaging.outbox as kith_mail

    seen = Sent()
    render = kith_mail.render_to_string

    def spy(template, context=None, *args, **kwargs):
        seen.add(template)
        return render(template, context, *args, **kwargs)

    def allauth_spy(template, context=None, *args, **kwargs):
        seen.by_allauth.add(template)
        return render(template, context, *args, **kwargs)

    monkeypatch.setattr(kith_mail, "render_to_string", spy)
    monkeypatch.setattr(allauth_adapter, "render_to_string", allauth_spy)
    return seen


# --- the flows, in a request (links from the request's own address)


def _join_signed_out() -> None:
    """Kasia signs up: allauth emails her a code, then Priya hears of a new volunteer."""
    client = served()
    assert client.post(reverse("volunteers:join"), JOIN).status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", mail.outbox[-1].body,
                     re.MULTILINE).group(1)
    done = client.post("/accounts/login/code/confirm/?next=/volunteer/join/finish/",
                       {"code": code, "next": "/volunteer/join/finish/"})
    assert client.get(done.url).status_code == 302


def _in_a_request(street, priya, nia, network, ward) -> None:
    from kith.listings import services as listings
    from kith.requests.exclusions import add_exclusion

    _join_signed_out()
    served().post(reverse("account_request_login_code"), {"email": "nobody@example.org"})
    served(priya).post(reverse("account_email"), {"email": priya.email, "action_send": ""})
    served(priya).post(reverse("groups:invitations", args=[street.slug]),
                       {"email": "newbie@example.org", "roles": ["volunteer"]})
    registration = listings.submit_registration(
        acting_user=None, name="Portobello Road Neighbours", kind="street", parent=ward,
        coverage=["W10 5"], organiser_name="Ruth", organiser_email="ruth@example.org")
    served(nia).post(reverse("listings:registrations", args=[network.slug]), {
        "registration": registration.pk, "decision": "reject",
        f"reg{registration.pk}-reason": "Golborne Road already covers W10 5"})
    ask = reverse("requests:ask", args=[street.slug])
    assert served().post(ask, ASK).status_code == 302
    assert served().post(ask, {**ASK, "phone": "07911 123457", "email": "",
                               "postcode": "M1 1AE"}).status_code == 302
    add_exclusion(street, reason="abuse", actor=priya, phone="07911 123458")
    assert served().post(ask, {**ASK, "phone": "07911 123458", "email": ""}).status_code == 302


# --- the flows outside a request (links from SITE_URL)


def _requests_and_sweeps(street, priya, sam, tom) -> None:
    from kith.requests import callbacks, services
    from kith.requests.status import Attempt, send_code
    from kith.requests.sweeps import tick
    from kith.residents.services import correct_resident

    joan = HelpRequest.objects.get(resident__name="Joan", resident__postcode_sector="W10 5",
                                   asked_by="", state="new", resident__email__isnull=False)
    assert send_code(Attempt.start(joan.reference), "joan@example.org")
    assert send_code(Attempt.start(joan.reference), "07911 123456")  # a text message
    callback = joan.callbacks.get()
    assert callbacks.claim(callback, sam)
    callbacks.log_attempt(callback, by=sam, outcome="wrong_number")  # a coordinator is told
    services.transition(joan, "triage", actor=priya)
    # The web form asks for no address; shopping is brought to the door, so one is added first.
    correct_resident(joan.resident, acting_user=priya, address="7 Golborne Road")
    assignment = services.assign(joan, tom, actor=priya, reason="Lives next door")
    tick(now=assignment.due_by + timedelta(minutes=1))  # the reminder
    tick(now=assignment.due_by + timedelta(days=3))  # not done: released to the coordinators

    manchester = HelpRequest.objects.get(resident__postcode_sector="M1 1")
    services.transition(manchester, "triage", actor=priya)
    services.transition(manchester, "escalate", actor=priya, note="Sounded unwell")


def _safety(street, priya, tom) -> None:
    """A missed check-in through every step, then safe; help asked for; a review due."""
    from django.utils import timezone

    from kith.requests import services
    from kith.requests.intake import Contact, Need, take_request
    from kith.requests.sweeps import tick
    from kith.safety import checkins
    from kith.safety.models import RiskAssessment

    MembershipFactory(person=PersonFactory(email="lena@example.org"), group=street,
                      is_safeguarding_lead=True)
    held = []
    for name, phone in (("Ada", "07911 123401"), ("Bill", "07911 123402")):
        req = take_request(street, channel="phone", triage=True, acting_user=priya,
                           contact=Contact(name=name, phone=phone, address="9 Golborne Road",
                                           postcode="W10 5NW"),
                           need=Need(service="dog_walking")).request
        services.assign(req, tom, actor=priya, reason="Nearby")
        held.append(checkins.do_start_visit(req, acting_user=tom, minutes=30))
    missed, help_now = held
    for minutes in (1, 25, 50):
        tick(now=missed.due_at + timedelta(minutes=minutes))
    checkins.do_mark_safe(missed, acting_user=tom)
    checkins.do_ask_for_help(help_now, acting_user=tom)
    tick(now=timezone.now() + timedelta(hours=1))  # nobody acted on it: asked again
    # Priya reaches him by phone: everyone who was alerted hears it is over.
    checkins.do_close_check_in(help_now, acting_user=priya, note="Rang him: he is fine")
    RiskAssessment.objects.create(group=street, activity="shopping", hazards="Bags",
                                  who_harmed="Volunteers", controls="Two bags",
                                  review_by=timezone.localdate())
    tick()


def _offers(street, priya, mrs_ahmed, other_street) -> None:
    from kith.matching.offers import offer_round
    from kith.requests.intake import Contact, Need, take_request
    from tests.matching.conftest import make_volunteer, waiting_request

    make_volunteer(street, priya, "Ann", "W10 5PZ")
    offer_round(waiting_request(street, priya, mrs_ahmed), actor=priya)
    nadia = PersonFactory(email="nadia@example.org", display_name="Nadia Nowak")
    MembershipFactory(person=nadia, group=other_street, is_coordinator=True)
    lonely = take_request(other_street, channel="phone", contact=Contact(name="Mr Grey"),
                          need=Need(service="shopping"), acting_user=nadia, triage=True).request
    offer_round(lonely, actor=nadia)  # nobody there: the coordinators are told


def _run_and_listings(street, priya) -> None:
    from kith.runs import services as runs
    from tests.runs.conftest import POSTCODES, cleared, lines

    for n, postcode in enumerate(["W10 5AA", "W10 6AA"], 1):
        person = PersonFactory(email=f"runner{n}@example.org", display_name=f"Runner {n}")
        MembershipFactory(group=street, person=person, is_volunteer=True)
        cleared(person, street, priya, postcode)
    run = runs.create_run(street, acting_user=priya, kind="pharmacy", partner_name="Golborne",
                          pickup_name="Golborne Pharmacy", pickup_postcode="W10 5AA",
                          team_size=2, max_stops=4)
    runs.add_stops(run, lines(POSTCODES[:6]), acting_user=priya)
    runs.split(run, acting_user=priya, seconds=1)
    runs.send_out(run, acting_user=priya)

    Group.objects.filter(pk=street.pk).update(created_at=street.created_at - timedelta(days=120))
    call_command("remind_verify", stdout=io.StringIO())
    call_command("import", "volunteers", str(FIXTURES / "google_sheets_semicolons.csv"),
                 "--group", street.slug, "--commit", "--good-rows-only", "--no-progress",
                 stdout=io.StringIO())


def _failed_messages(street, tom) -> None:
    from django.utils import timezone

    from kith.messaging.log import report_failures
    from kith.messaging.models import Message

    Message.objects.create(channel=Message.Channel.SMS, to="+447911123456", body="Can you help?",
                           person=tom, group=street, state=Message.State.FAILED,
                           failed_at=timezone.now(), error="number not in service")
    assert report_failures() == 1


# --- following the links


def _own_copy(person) -> None:
    """A volunteer asks for a copy of their own data: a code by email first."""
    from kith.transparency import services as transparency

    assert transparency.send_own_code(person, {})


def _money(street, priya, tom) -> None:
    """A treasurer asks about a claim (the volunteer is told), the answer goes back, another
    claim is rejected (told), and the bank details change (the coordinators are told)."""
    from decimal import Decimal

    from kith.money import services
    from kith.requests import services as request_services
    from kith.requests.intake import Contact, Need, take_request
    from tests.money.conftest import receipt_upload, spent_at

    tess = PersonFactory(email="tess@example.org", display_name="Tess Morgan")
    MembershipFactory(person=tess, group=street, is_treasurer=True)
    req = take_request(street, channel="phone", triage=True, acting_user=priya,
                       contact=Contact(name="Cleo", phone="07911 123403",
                                       address="11 Golborne Road", postcode="W10 5NW"),
                       need=Need(service="shopping")).request
    request_services.assign(req, tom, actor=priya, reason="Nearby")
    asked, turned_down = (
        services.record_claim(req, volunteer=tom, shop="Tesco", spent_at=spent_at(),
                              lines=[("Bread", Decimal(price))], upload=receipt_upload(colour))
        for price, colour in (("2.50", (1, 2, 3)), ("3.10", (40, 50, 60))))
    services.query(asked, actor=tess, question="Which bread?")
    services.answer(asked, actor=tom, text="Brown")
    services.reject(turned_down, actor=tess, reason="Not on the list")
    services.update_settings(street, actor=tess, bank_account_number="12345678")


def _safeguarding(street) -> None:
    """The escalation above found no lead (the coordinators were asked to name one); now the
    street has one, and a public report sends her the case's link."""
    lead = PersonFactory(email="lena.marsh@example.org", display_name="Lena Marsh")
    MembershipFactory(person=lead, group=street, is_safeguarding_lead=True)
    assert served().post(reverse("safeguarding:report_public", args=[street.slug]), {
        "kind": "safety_risk", "urgency": "now", "what_happened": "A broken stair rail",
        "victim_consent": "not_asked"}).status_code == 302
    from kith.requests.sweeps import tick
    from kith.safeguarding.models import Case

    assert served().post(reverse("safeguarding:report_public", args=[street.slug]), {
        "kind": "data_breach", "urgency": "now", "what_happened": "A route sheet lost",
        "victim_consent": "not_asked"}).status_code == 302
    breach = Case.objects.get(kind="data_breach")
    assert tick(now=breach.opened_at + timedelta(hours=49))["breach_reminders"] == 1
    # An action given to another lead brings her the case's link.
    from kith.safeguarding import services as cases

    second = PersonFactory(email="lou.reed@example.org", display_name="Lou Reed")
    MembershipFactory(person=second, group=street, is_safeguarding_lead=True)
    cases.add_action(breach, actor=lead, what="Ring the ICO", owner=second)


def _messages() -> list[tuple[list[str], str, str]]:
    """(recipients, what it is, body) for every email and text message sent."""
    emails = [(m.to, f"email “{m.subject}”", m.body) for m in mail.outbox]
    texts = [([t.to], "text message", t.body) for t in sms.outbox]
    return emails + texts


def _follow(link: str, recipients: list[str]) -> str:
    """"" if the link works for its recipient, else what is wrong."""
    from kith.accounts.models import Person

    parts = urlsplit(link)
    if f"{parts.scheme}://{parts.netloc}" != SERVED:
        return f"points at {parts.scheme}://{parts.netloc}, not {SERVED}"
    person = Person.objects.filter(email__iexact=recipients[0]).first()
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = served(person).get(path)
    if response.status_code == 200:
        return ""
    if response.status_code == 302 and urlsplit(response.url).path in SIGN_IN_PAGES:
        return ""
    return f"answers {response.status_code} {response.get('Location', '')} to {person or 'anyone'}"


def _email_templates() -> set[str]:
    """Every plain-text email template Kith has, named as send_templated names it."""
    found = set()
    for path in SOURCE.glob("*/templates/**/email/*.txt"):
        app = path.relative_to(SOURCE).parts[0]
        found.add(path.relative_to(SOURCE / app / "templates").as_posix())
    return found


def test_it_finds_every_email_template():
    found = _email_templates()
    assert "groups/email/invitation.txt" in found
    assert "volunteers/import/email/reconsent.txt" in found


def test_every_link_in_every_message_opens_on_the_served_address(
        settings, templates_sent, street, ward, other_street, priya, sam, tom, mrs_ahmed,
        network, nia, tmp_path):
    from tests.requests.conftest import clear_to_help

    sms.outbox.clear()
    clear_to_help(tom, street, coordinator=priya)
    settings.SITE_URL = ELSEWHERE
    _in_a_request(street, priya, nia, network, ward)
    settings.SITE_URL = SERVED  # as `make serve` sets it for the sweep and the commands
    _requests_and_sweeps(street, priya, sam, tom)
    _safety(street, priya, tom)
    _offers(street, priya, mrs_ahmed, other_street)
    _run_and_listings(street, priya)
    _failed_messages(street, tom)
    _safeguarding(street)
    settings.KITH_RECEIPTS_DIR = tmp_path / "receipts"
    _money(street, priya, tom)
    _own_copy(tom)

    assert _email_templates() <= templates_sent | templates_sent.by_allauth, (
        "a kind of email was never sent here")
    assert sms.outbox, "no text message was sent"
    problems, followed = [], 0
    for recipients, what, body in _messages():
        for link in LINK.findall(body):
            link = link.rstrip(".,;:")
            followed += 1
            problem = _follow(link, recipients)
            if problem:
                problems.append(f"{what} to {recipients[0]}: {link} {problem}")
    assert followed >= len(templates_sent)
    assert not problems, "\n".join(problems)


def test_it_links_to_the_address_the_request_came_in_on(settings, street, priya):
    settings.SITE_URL = ELSEWHERE
    client = Client(HTTP_HOST="localhost:8765")
    client.force_login(priya)
    client.post(reverse("groups:invitations", args=[street.slug]),
                {"email": "newbie@example.org", "roles": ["volunteer"]})
    token = Invitation.objects.get().token
    assert f"http://localhost:8765/invite/{token}/" in mail.outbox[-1].body


def test_it_links_to_site_url_from_the_sweep(settings, street, priya):
    from kith.groups import services

    settings.SITE_URL = "http://127.0.0.1:8123"
    services.create_invitation(street, roles=["volunteer"], acting_user=priya,
                               email="newbie@example.org")
    assert "http://127.0.0.1:8123/invite/" in mail.outbox[-1].body


def test_make_serve_gives_the_sweep_and_the_server_its_own_address():
    import os
    import shutil
    import subprocess

    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}  # as on a fresh shell
    plan = subprocess.run([make, "-n", "serve", "PORT=8123", "HOST=127.0.0.1"],  # noqa: S603 - make, our own Makefile
                          cwd=SOURCE.parents[1], env=env, capture_output=True, text=True,
                          check=True).stdout
    for line in (ln for ln in plan.splitlines() if "kith tick" in ln or "gunicorn" in ln):
        # By name, so passkeys work in the demo; gunicorn still binds the number.
        assert "SITE_URL=http://localhost:8123" in line, line
    assert "--bind 127.0.0.1:8123" in plan
