"""Saving an edit form unchanged changes nothing: every edit form in Kith, as a browser sends it.

A coordinator opened Tom's checks and pressed "Save checks" without touching anything; the ID
and references dates already recorded were wiped, because the page wrote them as 02/12/2026
and a date box shows (and sends) only 2026-12-02. Here each edit page is opened as the person
who uses it, its form is read from the HTML and posted back exactly as a browser would
(tests/htmlforms.py: checked boxes, selected options, textareas, each input type's own
sanitising), and then no row anywhere in the database may differ and no audit row may be
written. Each page is tried with its object as new and as filled in.

Every Kith URL name must be listed either in EDIT_PAGES (with how to build its object) or in
NOT_EDIT_PAGES (with why its forms are not edits), so a new page is sorted here when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

import pytest
from django import forms
from django.apps import apps
from django.urls import URLResolver, get_resolver, resolve, reverse

from kith.core.models import AuditEvent
from kith.groups.models import Group, Membership
from kith.requests.models import RequestPolicy
from kith.volunteers.models import Vetting, VettingPolicy, VolunteerProfile
from tests.factories import MembershipFactory, PersonFactory
from tests.formclasses import kith_form_classes
from tests.htmlforms import forms_in

pytestmark = pytest.mark.django_db


# --- the pages --------------------------------------------------------------------------------


@dataclass
class EditPage:
    url_name: str
    persona: str  # the conftest fixture of who uses it
    field: str  # a field only the edit form has, to find it among the page's forms
    states: dict  # name -> build(world), which sets the object up and returns the URL's kwargs


def _group(world, **changes) -> dict:
    Group.objects.filter(pk=world.street.pk).update(**changes)
    if "coverage" in changes:
        Group.objects.get(pk=world.street.pk).save()  # its CoverageArea rows too
    return {"group_slug": world.street.slug}


def _quiet(world) -> dict:
    from datetime import time

    from kith.messaging.models import QuietHours

    QuietHours.objects.create(group=world.street, starts=time(22, 30), ends=time(7, 0))
    return {"group_slug": world.street.slug}


def _profile(world, **fields) -> dict:
    VolunteerProfile.objects.create(person=world.tom, postcode="W10 5NW", **fields)
    return {}


def _imported(world) -> dict:
    """Tom, and his profile, as a spreadsheet import makes them."""
    from kith.volunteers.importing.adapter import import_volunteers

    sheet = ("Name,Email,Phone,Postcode,How can you help?,When are you free?,Languages,"
             "Transport,How far?,Most tasks a week\n"
             "Tom Brennan,tom@example.org,07911 123456,w10 5nw,"
             "\"Shopping, Dog walking\",weekday evenings,\"english, Polish\",I drive,3 miles,4\n")
    import_volunteers(sheet.encode(), group=world.street, source="google_sheets", commit=True,
                      duplicates="merge", acting_user=world.priya)
    assert VolunteerProfile.objects.filter(person=world.tom).exists()
    return {}


def _chose(world, channel: str) -> dict:
    from kith.messaging.models import ContactPreference

    ContactPreference.objects.create(person=world.tom, channel=channel)
    return _profile(world, services=["shopping"])


def _retention(world) -> dict:
    from kith.retention.models import RetentionSchedule

    RetentionSchedule.objects.create(group=world.street, request_details_days=120,
                                     access_log_months=36)
    return {"group_slug": world.street.slug}


def _vetting(world, **fields) -> dict:
    Vetting.objects.create(person=world.tom, group=world.street, **fields)
    return {"group_slug": world.street.slug, "pk": world.tom_membership.pk}


EDIT_PAGES = [
    EditPage("accounts:profile", "priya", "display_name", {
        "new": lambda w: {},
        "filled in": lambda w: _person(w.priya, phone="+447911123456", postcode_sector="W10 5"),
    }),
    EditPage("groups:member_edit", "priya", "roles", {
        "one role": lambda w: {"group_slug": w.street.slug, "pk": w.tom_membership.pk},
        "several roles": lambda w: _roles(w, is_call_handler=True, is_safeguarding_lead=True),
    }),
    EditPage("groups:settings", "priya", "coverage", {
        "new": lambda w: {"group_slug": w.street.slug},
        "filled in": lambda w: _group(
            w, description="Shopping and prescriptions.\nHot meals on Tuesdays 🍲",
            whatsapp_url="https://chat.whatsapp.com/AbCdEf1234567890",
            facebook_url="https://www.facebook.com/groups/golborne-road", phone="+442079460000",
            email="hello@golborne.example.org", services=["shopping", "prescriptions"],
            coverage=["W10 5", "W10 4"], shares_personal_data_with_parent=True),
        "quiet hours set": lambda w: _quiet(w),
    }),
    EditPage("requests:policy", "priya", "callback_target_hours", {
        "never saved": lambda w: {"group_slug": w.street.slug},
        "saved": lambda w: _request_policy(w),
    }),
    EditPage("money:settings", "priya", "days_to_pay", {
        "never saved": lambda w: {"group_slug": w.street.slug},
        "saved": lambda w: _money_settings(w),
    }),
    EditPage("residents:detail", "sam", "every_days", {
        "new": lambda w: {"group_slug": w.street.slug, "pk": w.mrs_ahmed.pk},
        "filled in": lambda w: _resident(w, at_risk=True, check_in_days=7),
    }),
    EditPage("residents:edit", "priya", "postcode_sector", {
        "new": lambda w: {"group_slug": w.street.slug, "pk": w.mrs_ahmed.pk},
        "filled in": lambda w: _resident(w, at_risk=True, check_in_days=7, language="Bengali",
                                         email="+ahmed@example.org", has_email=True,
                                         postcode="W10 5NW", notes="Lives alone"),
    }),
    EditPage("requests:edit", "priya", "asked_by", {
        "from the web": lambda w: _help_request(w),
        "filled in": lambda w: _help_request(w, when="Tuesday, not before 10", asked_by="Dev",
                                             urgency="today", service="prescriptions"),
    }),
    EditPage("volunteers:details", "tom", "weekly_cap", {
        "signed up": lambda w: _profile(w, services=["shopping"]),
        "filled in": lambda w: _profile(
            w, services=["shopping", "prescriptions"], availability=["mon_am", "sat_eve"],
            languages=["English", "Polish"], transport="bike", radius_km=5, weekly_cap=4),
        "imported": _imported,
    }),
    EditPage("volunteers:reach", "tom", "channel", {
        "never chosen": lambda w: _profile(w, services=["shopping"]),
        "chose WhatsApp": lambda w: _chose(w, "whatsapp"),
    }),
    EditPage("volunteers:detail", "priya", "id_seen_at", {  # the checks, on the volunteer's page
        "no checks": lambda w: {"group_slug": w.street.slug, "pk": w.tom_membership.pk},
        "checks recorded": lambda w: _vetting(
            w, id_seen_at=date(2026, 12, 2), references_at=date(2026, 11, 5),
            dbs_level="enhanced", dbs_date=date(2026, 10, 1), safeguarding_at=date(2026, 9, 30)),
    }),
    EditPage("partners:detail", "priya", "url", {  # the webhook address
        "no webhook": lambda w: _partner(w),
        "webhook set": lambda w: _partner(w, webhook_url="https://pharmacy.example.org/kith",
                                          webhook_secret="whsec_not-a-real-one"),
    }),
    EditPage("signposting:edit", "priya", "how_to_refer", {
        "new": lambda w: _local_service(w),
        "filled in": lambda w: _local_service(
            w, description="Food parcels.\nFresh fruit on Fridays 🍎", eligibility="Anyone",
            needs=["food", "money"], phone="020 7946 0100", email="hello@pantry.example.org",
            website="https://pantry.example.org/food", address="Unit 4, 12 Golborne Road",
            postcode="W10 5NW", opening_times="Tuesdays 10am to 1pm", coverage=["W10 5", "W11"],
            languages=["English", "Arabic"], cost="Free", how_to_refer="Ring first",
            caution="Asks for ID", is_public=True, status="temporarily closed",
            last_checked=date(2026, 11, 2)),
        "within a distance": lambda w: _local_service(w, postcode="W10 5NW", radius_miles=1.5),
    }),
    EditPage("safety:settings", "priya", "grace_minutes", {
        "never saved": lambda w: {"group_slug": w.street.slug},
        "saved": lambda w: _safety_policy(w),
    }),
    EditPage("retention:settings", "priya", "request_details_days", {
        "never saved": lambda w: {"group_slug": w.street.slug},
        "saved, some periods following the group above": lambda w: _retention(w),
    }),
    EditPage("safety:risk_edit", "priya", "controls", {
        "saved": lambda w: _risk(w),
        "signed off": lambda w: _risk(w, signed=True),
    }),
    EditPage("safety:collection", "priya", "bag_reference", {
        "never saved": lambda w: _prescription(w),
        "saved": lambda w: _prescription(w, controlled_drug=True, bag_reference="B-1234"),
    }),
    EditPage("volunteers:policy", "priya", "requirements_shopping", {
        "never saved": lambda w: {"group_slug": w.street.slug},
        "saved": lambda w: _vetting_policy(w),
    }),
]


def _person(person, **fields) -> dict:
    type(person).objects.filter(pk=person.pk).update(**fields)
    return {}


def _roles(world, **roles) -> dict:
    Membership.objects.filter(pk=world.tom_membership.pk).update(**roles)
    return {"group_slug": world.street.slug, "pk": world.tom_membership.pk}


def _resident(world, **fields) -> dict:
    type(world.mrs_ahmed).objects.filter(pk=world.mrs_ahmed.pk).update(**fields)
    return {"group_slug": world.street.slug, "pk": world.mrs_ahmed.pk}


def _help_request(world, **fields) -> dict:
    from kith.requests.intake import Contact, Need, take_request

    req = take_request(world.street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping", details="Milk"),
                       resident=world.mrs_ahmed).request
    type(req).objects.filter(pk=req.pk).update(**fields)
    return {"group_slug": world.street.slug, "reference": req.reference}


def _local_service(world, **fields) -> dict:
    from kith.signposting.models import LocalService

    fields = {"organisation": "Golborne Pantry", "name": "Food bank", "needs": ["food"], **fields}
    service = LocalService.objects.create(group=world.street, **fields)
    return {"group_slug": world.street.slug, "pk": service.pk}


def _partner(world, **fields) -> dict:
    from kith.partners.models import Partner

    partner = Partner.objects.create(group=world.street, name="Golborne Pharmacy",
                                     kind="pharmacy", **fields)
    return {"group_slug": world.street.slug, "pk": partner.pk}


def _request_policy(world) -> dict:
    RequestPolicy.objects.create(
        group=world.street, callback_target_hours=12, assignment_window_hours=48,
        reminder_grace_hours=6, checkup_stages=["assigned", "week"], checkup_delay_hours=48,
        offer_to=4, offer_hours=3, match_max_km=7.5, fairness_weight=2.5, continuity_weight=0.5)
    return {"group_slug": world.street.slug}


def _money_settings(world) -> dict:
    from decimal import Decimal

    from kith.money.models import MoneySettings

    MoneySettings.objects.create(
        group=world.street, task_limit=Decimal("42.50"), bank_account_name="Golborne Road MA",
        bank_sort_code="20-00-00", bank_account_number="12345678",
        payment_link="https://pay.example.org/golborne", non_payment_threshold=3, days_to_pay=10,
        receipt_months=6)
    return {"group_slug": world.street.slug}


def _safety_policy(world) -> dict:
    from kith.safety.models import SafetyPolicy

    SafetyPolicy.objects.create(group=world.street, visit_minutes=90, grace_minutes=15,
                                prescriptions="known", controlled_drugs="pharmacy")
    return {"group_slug": world.street.slug}


def _risk(world, signed=False) -> dict:
    from django.utils import timezone

    from kith.safety.models import RiskAssessment

    RiskAssessment.objects.create(
        group=world.street, activity="dog_walking", hazards="A dog that pulls.\nDark evenings",
        who_harmed="The volunteer", controls="Meet the dog first 🐕", remaining_risk="medium",
        owner=world.priya, review_by=date(2027, 6, 1),
        signed_off_by=world.priya if signed else None,
        signed_off_at=timezone.now() if signed else None)
    return {"group_slug": world.street.slug, "activity": "dog_walking"}


def _prescription(world, **fields) -> dict:
    from kith.safety.models import Collection

    kwargs = _help_request(world, service="prescriptions")
    if fields:
        req = world.street.requests.get(reference=kwargs["reference"])
        Collection.objects.create(group=world.street, request=req, **fields)
    return kwargs


def _vetting_policy(world) -> dict:
    VettingPolicy.objects.create(group=world.street, requirements={
        "shopping": ["id"], "prescriptions": ["id", "references", "dbs"]})
    return {"group_slug": world.street.slug}


# Every other page of Kith's own, and why what it posts is not an edit of something stored.
NEW_THING = "its form makes something new, starting empty"
ACTION = "a button that does something (a move, a claim, a reveal), not a form of stored values"
NO_FORM = "no form that posts"
NOT_EDIT_PAGES = {
    "retention:kith_notice": NO_FORM,
    "retention:notice": NO_FORM,
    "retention:preview": NO_FORM,
    "retention:processing": NO_FORM,
    "core:home": NO_FORM, "core:healthz": NO_FORM, "core:favicon": NO_FORM, "demo:mailbox": NO_FORM,
    "messaging:group_log": NO_FORM,
    "messaging:twilio_status": "the provider's signed delivery reports, not a page",
    "messaging:twilio_inbound": "the provider's signed texts from people, not a page",
    "messaging:twilio_voice": "the provider's signed calls to the group's number, not a page",
    "messaging:twilio_voice_choice": "the key pressed at a call's menu, signed, not a page",
    "groups:mine": NO_FORM, "groups:start": "sends each person to their work",
    "groups:dashboard": NO_FORM, "groups:members": NO_FORM,
    "groups:audit": "filters by GET", "groups:access_log": "filters by GET",
    "groups:member_remove": ACTION, "groups:invitation_revoke": ACTION,
    "groups:invitation_accept": ACTION, "groups:invitations": NEW_THING,
    "groups:subgroup_new": NEW_THING,
    "residents:list": "searches by GET", "residents:new": NEW_THING,
    "residents:map": "a reason to see residents' postcodes, logged each time",
    "volunteers:home": "going on or off duty and taking a break are moves, not edits",
    "volunteers:join": NEW_THING, "volunteers:finish": ACTION, "volunteers:safety": NO_FORM,
    "volunteers:duty": ACTION, "volunteers:break": ACTION, "volunteers:back": ACTION,
    "volunteers:consents": "ticks for consents not yet given at their current wording: "
                           "they start empty",
    "volunteers:leave": ACTION, "volunteers:list": "filters by GET",
    # Erasure: a confirm step that deletes, not an edit form.
    "erasure:resident": ACTION, "erasure:volunteer": ACTION, "erasure:me": ACTION,
    "volunteers:export": NO_FORM, "volunteers:approve": ACTION,
    "volunteers:vetting": "the checks form's target; opened from volunteers:detail above",
    "volunteers_import:upload": NEW_THING,
    "volunteers_import:columns": "a step of one upload: the choices wait in the session and are "
                                 "stored only when the import is committed",
    "volunteers_import:check": ACTION, "volunteers_import:commit": ACTION,
    "volunteers_import:cancel": ACTION,
    "volunteers_import:run": NO_FORM,
    "directory:find": "searches by GET", "directory:widget": "searches by GET",
    "directory:index": NO_FORM, "directory:borough": NO_FORM, "directory:group": NO_FORM,
    "directory:api_groups": NO_FORM, "directory:map": NO_FORM, "directory:map_data": NO_FORM,
    "directory:blank_tile": NO_FORM, "directory:gaps": NO_FORM,
    "listings:start": NO_FORM, "listings:register": NEW_THING, "listings:report": NEW_THING,
    "listings:registrations": "approving or turning down a new group is a decision",
    "listings:reports": "resolving a report is a decision", "listings:verify": ACTION,
    "requests:ask": NEW_THING, "requests:refer": NEW_THING, "requests:ask_sent": NO_FORM,
    "requests:status": NEW_THING, "requests:status_code": NEW_THING,
    "requests:status_view": ACTION,
    "requests:queue": NO_FORM, "requests:missed_call": NEW_THING, "requests:callback": ACTION,
    "requests:claim": ACTION, "requests:release": ACTION, "requests:attempt": ACTION,
    "requests:list": "filters by GET", "requests:intake": NEW_THING, "requests:detail": ACTION,
    "requests:move": ACTION, "requests:assign": ACTION, "requests:series_list": NO_FORM,
    "requests:series_new": NEW_THING, "requests:series": "pause, resume and end are moves",
    "requests:exclusions": NEW_THING, "requests:lift_exclusion": ACTION, "requests:task": ACTION,
    "matching:offer": ACTION, "matching:offer_request": ACTION,
    "matching:match_all": "ticking proposals sends offers: an action",
    "runs:list": NO_FORM, "runs:new": NEW_THING, "runs:stops": NEW_THING,
    "runs:detail": "splitting again (its limits start from the last split), sending out and "
                   "finishing are actions",
    "runs:remove_stop": ACTION, "runs:split": ACTION, "runs:send": ACTION,
    "runs:outcome": ACTION, "runs:finish": ACTION,
    "runs:swap": "choosing someone else for a route", "runs:route_sheet": ACTION,
    "runs:my_route": ACTION, "runs:my_sheet": NO_FORM,
    "partners:list": NEW_THING, "partners:token_new": NEW_THING,
    "partners:token_revoke": ACTION,
    "partners:webhook": "the webhook form's target; opened from partners:detail above",
    "signposting:list": "marking a service checked is an action",
    "signposting:find": "searches by GET", "signposting:detail": ACTION,
    "signposting:new": NEW_THING, "signposting:checked": ACTION,
    "signposting:import": NEW_THING, "signposting:export": NO_FORM,
    "signposting:refer": NEW_THING, "signposting:referrals": "filters by GET",
    "signposting:referral": "accepting and closing a referral are moves",
    "safeguarding:report_public": NEW_THING, "safeguarding:public_sent": NO_FORM,
    "safeguarding:report": NEW_THING, "safeguarding:reported": NO_FORM,
    "safeguarding:cases": "filters by GET",
    "safeguarding:case": "each form is a step (triage, an action, who was told, the outcome); "
                         "triage saved unchanged writes nothing (tests/safeguarding)",
    "money:task": "recording spending, cash or a payment makes something new; the rest are "
                  "decisions",
    "money:queue": "reviewing a flag is a decision", "money:claim": "deciding a claim",
    "money:receipt": NO_FORM, "money:balances": NO_FORM,
    "money:reimburse": "recording a payment makes something new", "money:ledger": ACTION,
    "money:csv": NO_FORM, "money:fund": NEW_THING, "money:reverse": ACTION,
    "money:flag": ACTION,
    "safety:check_ins": NO_FORM, "safety:risks": NO_FORM, "safety:risk_sign_off": ACTION,
    "safety:close_check_in": ACTION,
    "safety:check_in": ACTION, "safety:risk_read": ACTION, "safety:collection_step": ACTION,
    "transparency:own": "asking for a code and typing it: actions",
    "transparency:own_copy": NO_FORM, "transparency:own_copy_json": NO_FORM,
    "transparency:my_consents": "withdrawing and giving consent again are actions",
    "transparency:resident_copy": "making a copy and its link makes something new",
    "transparency:resident_consents": "stopping and restarting messages are actions",
    "transparency:link": "typing the code: an action", "transparency:link_json": NO_FORM,
    "accounts:signup": NEW_THING, "accounts:two_factor_setup": NEW_THING,
    "accounts:two_factor_done": NO_FORM,
    "accounts:confirm_two_factor": "a code to confirm it's you: an action",
    "admin:login": "never a form: sends to Kith's sign-in",
    "admin:password_change": "sends to allauth's password page",
}


def _kith_url_names(resolver=None, namespace=()):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + ((entry.namespace,) if entry.namespace else ())
            yield from _kith_url_names(entry, inner)
        elif entry.name and entry.callback.__module__.startswith("kith."):
            yield ":".join(namespace + (entry.name,))


def test_it_sorts_every_page_of_kith_into_edit_or_not():
    names = set(_kith_url_names())
    edit = {page.url_name for page in EDIT_PAGES}
    assert not edit & set(NOT_EDIT_PAGES), "listed as both"
    unsorted = sorted(names - edit - set(NOT_EDIT_PAGES))
    assert not unsorted, f"Kith pages in neither EDIT_PAGES nor NOT_EDIT_PAGES: {unsorted}"
    gone = sorted((edit | set(NOT_EDIT_PAGES)) - names)
    assert not gone, f"listed here but no longer a URL name: {gone}"


# --- the round trip ---------------------------------------------------------------------------


class World:
    """Golborne Road and its people, as conftest builds them."""

    def __init__(self, request):
        for name in ("street", "priya", "sam", "tom", "mrs_ahmed"):
            setattr(self, name, request.getfixturevalue(name))
        self.tom_membership = Membership.objects.get(person=self.tom, group=self.street)
        # A ward coordinator too, so the group's last coordinator is never the one edited.
        MembershipFactory(person=PersonFactory(email="wendy@example.org"), group=self.street,
                          is_coordinator=True)


def database() -> dict[str, dict]:
    """Every row of every table, by model and primary key. Sessions are left out: they are the
    visitor's (the sign-in, the flash message), not Kith's data."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label == "sessions":
            continue
        rows[model._meta.label] = {row["pk"] if "pk" in row else row[model._meta.pk.attname]: row
                                   for row in model._base_manager.values()}
    return rows


def differences(before: dict, after: dict) -> list[str]:
    found = []
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, {}), after.get(label, {})
        found += [f"{label} {pk} added: {new[pk]}" for pk in new.keys() - old.keys()]
        found += [f"{label} {pk} removed" for pk in old.keys() - new.keys()]
        for pk in old.keys() & new.keys():
            found += [f"{label} {pk}.{name}: {old[pk][name]!r} -> {new[pk][name]!r}"
                      for name in old[pk] if old[pk][name] != new[pk][name]]
    return found


def _errors(response) -> str:
    form = (response.context or {}).get("form") or (response.context or {}).get("vetting_form")
    return str(form.errors) if form is not None else response.content.decode()[:2000]


CASES = [(page, state) for page in EDIT_PAGES for state in page.states]


@pytest.mark.parametrize("page, state", CASES,
                         ids=[f"{p.url_name}-{s.replace(' ', '_')}" for p, s in CASES])
def test_saving_an_edit_form_unchanged_changes_nothing(client, request, page, state):
    world = World(request)
    url = reverse(page.url_name, kwargs=page.states[state](world))
    client.force_login(getattr(world, page.persona))
    shown = client.get(url)
    assert shown.status_code == 200, f"{page.persona} cannot open {url}"
    edit_forms = [f for f in forms_in(shown.content.decode(), f"http://testserver{url}")
                  if f.method == "post" and page.field in f.names]
    assert len(edit_forms) == 1, f"{len(edit_forms)} forms with {page.field} on {url}"
    action, data = edit_forms[0].submission()

    before, audit_rows = database(), AuditEvent.objects.count()
    response = client.post(urlsplit(action).path, data)

    assert response.status_code == 302, f"the page refused its own values: {_errors(response)}"
    assert resolve(urlsplit(response.url).path).view_name != "account_login"
    assert AuditEvent.objects.count() == audit_rows, list(
        AuditEvent.objects.order_by("-pk").values("action", "old", "new")[:3])
    assert differences(before, database()) == []


def test_the_vetting_dates_survive_a_save_as_a_browser_sends_it(client, request):
    """The finding itself, in the words of the trail: no `id_seen_at 2026-12-02 -> (removed)`."""
    world = World(request)
    kwargs = _vetting(world, id_seen_at=date(2026, 12, 2), references_at=date(2026, 11, 5))
    client.force_login(world.priya)
    page = client.get(reverse("volunteers:detail", kwargs=kwargs)).content.decode()
    assert 'type="date" name="id_seen_at" value="2026-12-02"' in page
    (checks,) = [f for f in forms_in(page, "http://testserver/") if "id_seen_at" in f.names]
    action, data = checks.submission()
    client.post(urlsplit(action).path, data)
    vetting = Vetting.objects.get(person=world.tom)
    assert (vetting.id_seen_at, vetting.references_at) == (date(2026, 12, 2), date(2026, 11, 5))


DATE_FIELDS = [(form_class, name) for form_class in kith_form_classes()
               for name, field in form_class.base_fields.items()
               if isinstance(field, forms.DateField | forms.DateTimeField)]


def test_it_found_the_date_fields():
    assert len(DATE_FIELDS) >= 8, DATE_FIELDS


@pytest.mark.parametrize("form_class, name", DATE_FIELDS,
                         ids=[f"{c.__qualname__}.{n}" for c, n in DATE_FIELDS])
def test_every_date_box_in_kith_writes_the_iso_form_a_browser_reads(form_class, name):
    """A date box shows 2026-12-02 and a date-and-time box 2026-12-02T14:30; given anything else
    (the UK's 02/12/2026) the browser shows an empty box and sends nothing back."""
    widget = form_class.base_fields[name].widget
    if isinstance(form_class.base_fields[name], forms.DateTimeField):
        assert widget.input_type == "datetime-local"
        assert widget.format_value(datetime(2026, 12, 2, 14, 30)) == "2026-12-02T14:30"
    else:
        assert widget.input_type == "date"
        assert widget.format_value(date(2026, 12, 2)) == "2026-12-02"
