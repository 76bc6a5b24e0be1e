"""Build the demo borough. Safe to run again: everything is found by a natural key first.

Later issues add a step to STEPS (runs, incidents...).
Each step takes the DemoContext and returns a one-line summary.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kith.demo import data
from kith.demo.runs import load_runs
from kith.groups import services as group_services
from kith.groups.models import Group, Membership
from kith.listings import services as listing_services
from kith.listings.models import GroupRegistration, ListingReport
from kith.matching.cards import refresh_for_person
from kith.money.demo import load_money
from kith.partners.demo import load_partners
from kith.residents.models import Resident
from kith.residents.services import register_resident
from kith.safeguarding.demo import load_cases
from kith.safety.demo import load_safety
from kith.signposting.demo import load_services
from kith.volunteers import services as volunteer_services
from kith.volunteers.models import CONSENT_VERSIONS, SLOTS, Consent, Vetting, VolunteerProfile

SEED = 20200323  # the first UK lockdown; fixed so every demo is the same


@dataclass
class DemoContext:
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    groups: dict[str, Group] = field(default_factory=dict)
    streets: list[Group] = field(default_factory=list)
    people: dict[str, object] = field(default_factory=dict)


def demo_group(ctx: DemoContext, parent: Group | None, **fields) -> Group:
    existing = Group.objects.filter(slug=fields["slug"]).first()
    group = existing or group_services.create_group(acting_user=None, parent=parent, **fields)
    ctx.groups[group.slug] = group
    return group


def load_groups(ctx: DemoContext) -> str:
    network = demo_group(ctx, None, **data.NETWORK)
    borough = demo_group(ctx, network, **data.BOROUGH)
    for ward_slug, ward_name, ward_cover, streets in data.WARDS:
        ward = demo_group(ctx, borough, slug=ward_slug, name=ward_name, kind="ward",
                      coverage=ward_cover, services=data.BOROUGH["services"],
                      description=f"Street groups across {ward_name.replace(' Mutual Aid', '')}.")
        for street_slug, street_name, cover in streets:
            street = demo_group(
                ctx, ward, slug=street_slug, name=street_name, kind="street", coverage=cover,
                services=["shopping", "prescriptions", "dog_walking", "befriending"],
                description=f"Neighbours around {data.STREET_ADDRESSES[street_slug]}.",
                whatsapp_url=f"https://chat.whatsapp.com/Demo{street_slug.replace('-', '')[:20]}",
                # The demo's first street shares with its ward, to show what sharing allows.
                shares_personal_data_with_parent=(street_slug == "golborne-road"),
            )
            ctx.streets.append(street)
    return f"{len(ctx.groups)} groups"


def demo_person(email: str, name: str, *, password: str | None = None, superuser: bool = False):
    Person = get_user_model()
    person = Person.objects.filter(email=email).first()
    if person is None:
        maker = Person.objects.create_superuser if superuser else Person.objects.create_user
        person = maker(email, password, display_name=name)
    # Demo people arrived by invitation, so their addresses count as proven.
    EmailAddress.objects.update_or_create(
        user=person, email=email, defaults={"verified": True, "primary": True}
    )
    return person


def _join(group: Group, person, roles: list[str]) -> None:
    membership = Membership.objects.filter(group=group, person=person).first()
    if membership is None or not set(roles) <= membership.roles:
        group_services.add_member(group, person, roles=roles, acting_user=None)


def load_personas(ctx: DemoContext) -> str:
    for local, name, joins, superuser in data.PERSONAS:
        person = demo_person(f"{local}@{data.EMAIL_DOMAIN}", name, password=data.DEMO_PASSWORD,
                         superuser=superuser)
        ctx.people[local] = person
        for slug, roles in joins:
            _join(ctx.groups[slug], person, roles)
    tom = ctx.people["tom"]
    if not tom.phone:
        tom.phone = data.TOM_MOBILE
        tom.save(update_fields=["phone", "phone_digest"])
    ctx.people["bea"] = _phone_only_volunteer(ctx.groups["golborne-road"])
    # Every street gets a coordinator and a call handler, so no group is headless.
    for street in ctx.streets:
        if street.slug == "golborne-road":
            continue
        lead = demo_person(f"coord.{street.slug}@{data.EMAIL_DOMAIN}", _name(ctx.rng))
        _join(street, lead, ["coordinator", "call_handler"])
    for slug in ("notting-dale", "earls-court", "chelsea-riverside"):
        lead = demo_person(f"coord.{slug}@{data.EMAIL_DOMAIN}", _name(ctx.rng))
        _join(ctx.groups[slug], lead, ["coordinator"])
    return f"{len(data.PERSONAS)} personas"


def _phone_only_volunteer(group: Group):
    """A volunteer with a mobile and no email, as a spreadsheet import keeps them: she signs
    in with a texted code and is reached by text."""
    Person = get_user_model()
    name, mobile = data.PHONE_ONLY_VOLUNTEER
    person = Person.objects.filter(email=None, display_name=name).first()
    if person is None:
        person = Person(email=None, display_name=name, phone=mobile)
        person.set_unusable_password()
        person.save()
    _join(group, person, ["volunteer"])
    return person


def _name(rng: random.Random) -> str:
    return f"{rng.choice(data.FIRST_NAMES)} {rng.choice(data.LAST_NAMES)}"


def load_volunteers(ctx: DemoContext) -> str:
    for n in range(1, data.VOLUNTEERS + 1):
        street = ctx.streets[n % len(ctx.streets)]
        person = demo_person(f"volunteer{n:03d}@{data.EMAIL_DOMAIN}", _name(ctx.rng))
        if person.postcode_sector != street.coverage[0]:
            person.postcode_sector = street.coverage[0]  # coarse home area, for density maps
            person.save(update_fields=["postcode_sector"])
        _join(street, person, ["volunteer"])
    return f"{data.VOLUNTEERS} volunteers"


LANGUAGES = ["Arabic", "Polish", "Portuguese", "Spanish", "Somali", "Bengali", "Tigrinya",
             "French"]
OFFERED = ["shopping", "prescriptions", "dog_walking", "befriending", "posting", "errands",
           "lifts", "interpreting"]


def _profile(person, rng: random.Random, n: int, sector: str) -> VolunteerProfile:
    services = rng.sample(OFFERED, k=rng.randint(1, 3))
    availability = sorted(rng.sample(SLOTS, k=rng.randint(2, 6)), key=SLOTS.index)
    languages = ["English"] + ([rng.choice(LANGUAGES)] if rng.random() < 0.3 else [])
    transport = rng.choice(VolunteerProfile.Transport.values)
    postcode = rng.choice(data.DEMO_POSTCODES[sector])
    now = timezone.now()
    return VolunteerProfile(
        person=person, services=services, availability=availability, languages=languages,
        transport=transport, radius_km=rng.choice([1, 2, 2, 5]), weekly_cap=rng.choice([2, 3, 5]),
        postcode=postcode, on_duty=n % 4 == 0,
        status=VolunteerProfile.Status.ON_BREAK if n % 25 == 0 else VolunteerProfile.Status.ACTIVE,
        break_until=timezone.localdate() + timedelta(days=14) if n % 25 == 0 else None,
        reconfirm_consent=n % 50 == 1,  # as if brought over from a spreadsheet
        last_active_at=now - timedelta(days=45 if n % 10 == 0 else rng.randint(0, 20)),
    )


def load_volunteer_profiles(ctx: DemoContext) -> str:
    """What each volunteer offers and when, their consents, and checks for some.

    Profiles and consents are saved directly, in bulk (the sign-up service would email a
    street's coordinators 300 times); checks and approvals go through the services, by the
    street's coordinator. Every third volunteer is approved with ID and references seen,
    every sixth has an enhanced DBS check too; Tom can collect prescriptions.
    """
    rng = random.Random(SEED + 1)  # its own, so the residents drawn after stay the same
    Person = get_user_model()
    tom = ctx.people["tom"]
    golborne = ctx.groups["golborne-road"]
    if tom.postcode_sector != golborne.coverage[0]:
        tom.postcode_sector = golborne.coverage[0]
        tom.save(update_fields=["postcode_sector"])
    volunteers = [(tom, golborne)] + [
        (person, ctx.streets[n % len(ctx.streets)]) for n, person in enumerate(
            Person.objects.filter(email__startswith="volunteer",
                                  email__endswith=f"@{data.EMAIL_DOMAIN}").order_by("email"), 1)
    ]
    # Bea last: the draws and approvals of everyone before her stay as they always were.
    volunteers.append((ctx.people["bea"], golborne))
    have = set(VolunteerProfile.objects.values_list("person_id", flat=True))
    new = []
    for n, (person, street) in enumerate(volunteers):
        profile = _profile(person, rng, n, street.coverage[0])  # drawn even if it exists
        if person.pk not in have:
            new.append(profile)
    for profile in new:
        if profile.person == tom:
            profile.services, profile.transport = ["shopping", "prescriptions", "dog_walking"], "bike"
            # Room for his weekly shop, his other tasks and the live offer he finds on sign-in.
            profile.weekly_cap = 5
            profile.status, profile.break_until, profile.reconfirm_consent = "active", None, False
    VolunteerProfile.objects.bulk_create(new)
    Consent.objects.bulk_create(
        [Consent(person=person, kind=kind, version=version)
         for person, _ in volunteers for kind, version in CONSENT_VERSIONS.items()],
        ignore_conflicts=True)
    approved = set(Vetting.objects.filter(approved_at__isnull=False)
                   .values_list("person_id", "group_id"))
    today = timezone.localdate()
    for n, (person, street) in enumerate(volunteers):
        if n % 3 or (person.pk, street.pk) in approved:
            continue
        membership = street.memberships.get(person=person)
        coordinator = Membership.objects.with_role("coordinator").filter(group=street).first()
        by = coordinator.person if coordinator else None
        seen = today - timedelta(days=30 + n % 200)
        dbs = n % 6 == 0
        volunteer_services.record_vetting(
            membership, acting_user=by, id_seen_at=seen, references_at=seen,
            dbs_level="enhanced" if dbs else "", dbs_date=seen if dbs else None)
        volunteer_services.approve(membership, acting_user=by)
    for person, _ in volunteers:  # profiles were made in bulk, without signals
        refresh_for_person(person)
    total = VolunteerProfile.objects.count()
    approvals = Vetting.objects.filter(approved_at__isnull=False).count()
    return f"{total} volunteer profiles, {approvals} approved"


def load_residents(ctx: DemoContext) -> str:
    golborne = ctx.groups["golborne-road"]
    if not Resident.objects.filter(group=golborne, name="Mrs Ahmed").exists():
        register_resident(
            golborne, acting_user=None, name="Mrs Ahmed", phone="+442079460100",
            address="14 Golborne Road, London W10 5NW", postcode="W10 5NW",
            notes="No email. Lives alone; daughter visits on Sundays.",
        )
    for n in range(1, data.RESIDENTS):
        rng = ctx.rng
        # Every twentieth rang the borough line from a sector no street group covers yet.
        uncovered = n % 20 == 0
        group = ctx.groups["kensington-chelsea"] if uncovered else ctx.streets[n % len(ctx.streets)]
        sector = data.UNCOVERED_SECTOR if uncovered else group.coverage[0]
        street_name = "Cheyne Walk" if uncovered else data.STREET_ADDRESSES[group.slug]
        # Draw every random value before the existence check, so a re-run draws the same ones.
        name = f"{rng.choice(data.RESIDENT_TITLES)} {rng.choice(data.LAST_NAMES)} ({n:03d})"
        postcode = rng.choice(data.DEMO_POSTCODES[sector])
        address = f"{rng.randint(1, 180)} {street_name}, London {postcode}"
        notes = rng.choice(data.RESIDENT_NOTES)
        if Resident.objects.filter(group=group, name=name).exists():
            continue
        register_resident(
            group, acting_user=None, name=name, phone=f"+44207946{n + 200:04d}",
            address=address, postcode=postcode, notes=notes,
        )
    return f"{data.RESIDENTS} residents"


def load_listings(ctx: DemoContext) -> str:
    """Some listings checked, one new group waiting for approval, one report to look at."""
    for street in ctx.streets[::2]:
        if street.last_verified_at is None:
            listing_services.verify_listing(street, acting_user=None)
    if not GroupRegistration.objects.filter(name="Cheyne Walk Neighbours").exists():
        listing_services.submit_registration(
            acting_user=None, name="Cheyne Walk Neighbours", kind="street",
            parent=ctx.groups["chelsea-riverside"], coverage=[data.UNCOVERED_SECTOR],
            organiser_name="Ada Lovell", organiser_email=f"ada@{data.EMAIL_DOMAIN}",
            whatsapp_url="https://chat.whatsapp.com/DemoCheyneWalk2026",
        )
    if not ListingReport.objects.filter(group=ctx.groups["lots-road"]).exists():
        listing_services.submit_report(
            ctx.groups["lots-road"], acting_user=None, problem=ListingReport.Problem.CONTACT,
            details="The WhatsApp link says it has been reset.",
        )
    waiting = GroupRegistration.objects.filter(status=GroupRegistration.Status.PENDING).count()
    reports = ListingReport.objects.filter(status=ListingReport.Status.OPEN).count()
    return f"{waiting} registration waiting, {reports} listing report"


def load_requests(ctx: DemoContext) -> str:
    from kith.demo.requests import load_requests as load

    return load(ctx)


STEPS: list[Callable[[DemoContext], str]] = [
    load_groups, load_personas, load_volunteers, load_volunteer_profiles, load_residents,
    load_listings, load_requests, load_runs, load_services, load_cases, load_partners,
    load_safety, load_money,
]


@transaction.atomic
def load_demo() -> list[str]:
    ctx = DemoContext()
    return [step(ctx) for step in STEPS]
