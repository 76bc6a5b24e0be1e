"""Build the demo borough. Safe to run again: everything is found by a natural key first.

Later issues add a step to STEPS (requests in every state, runs, incidents...).
Each step takes the DemoContext and returns a one-line summary.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from kith.demo import data
from kith.groups import services as group_services
from kith.groups.models import Group, Membership
from kith.listings import services as listing_services
from kith.listings.models import GroupRegistration, ListingReport
from kith.residents.models import Resident
from kith.residents.services import register_resident

SEED = 20200323  # the first UK lockdown; fixed so every demo is the same


@dataclass
class DemoContext:
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    groups: dict[str, Group] = field(default_factory=dict)
    streets: list[Group] = field(default_factory=list)
    people: dict[str, object] = field(default_factory=dict)


def _group(ctx: DemoContext, parent: Group | None, **fields) -> Group:
    existing = Group.objects.filter(slug=fields["slug"]).first()
    group = existing or group_services.create_group(acting_user=None, parent=parent, **fields)
    ctx.groups[group.slug] = group
    return group


def load_groups(ctx: DemoContext) -> str:
    network = _group(ctx, None, **data.NETWORK)
    borough = _group(ctx, network, **data.BOROUGH)
    for ward_slug, ward_name, ward_cover, streets in data.WARDS:
        ward = _group(ctx, borough, slug=ward_slug, name=ward_name, kind="ward",
                      coverage=ward_cover, services=data.BOROUGH["services"],
                      description=f"Street groups across {ward_name.replace(' Mutual Aid', '')}.")
        for street_slug, street_name, cover in streets:
            street = _group(
                ctx, ward, slug=street_slug, name=street_name, kind="street", coverage=cover,
                services=["shopping", "prescriptions", "dog_walking", "befriending"],
                description=f"Neighbours around {data.STREET_ADDRESSES[street_slug]}.",
                whatsapp_url=f"https://chat.whatsapp.com/Demo{street_slug.replace('-', '')[:20]}",
                # The demo's first street shares with its ward, to show what sharing allows.
                shares_personal_data_with_parent=(street_slug == "golborne-road"),
            )
            ctx.streets.append(street)
    return f"{len(ctx.groups)} groups"


def _person(email: str, name: str, *, password: str | None = None, superuser: bool = False):
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
        person = _person(f"{local}@{data.EMAIL_DOMAIN}", name, password=data.DEMO_PASSWORD,
                         superuser=superuser)
        ctx.people[local] = person
        for slug, roles in joins:
            _join(ctx.groups[slug], person, roles)
    # Every street gets a coordinator and a call handler, so no group is headless.
    for street in ctx.streets:
        if street.slug == "golborne-road":
            continue
        lead = _person(f"coord.{street.slug}@{data.EMAIL_DOMAIN}", _name(ctx.rng))
        _join(street, lead, ["coordinator", "call_handler"])
    for slug in ("notting-dale", "earls-court", "chelsea-riverside"):
        lead = _person(f"coord.{slug}@{data.EMAIL_DOMAIN}", _name(ctx.rng))
        _join(ctx.groups[slug], lead, ["coordinator"])
    return f"{len(data.PERSONAS)} personas"


def _name(rng: random.Random) -> str:
    return f"{rng.choice(data.FIRST_NAMES)} {rng.choice(data.LAST_NAMES)}"


def load_volunteers(ctx: DemoContext) -> str:
    for n in range(1, data.VOLUNTEERS + 1):
        street = ctx.streets[n % len(ctx.streets)]
        person = _person(f"volunteer{n:03d}@{data.EMAIL_DOMAIN}", _name(ctx.rng))
        if person.postcode_sector != street.coverage[0]:
            person.postcode_sector = street.coverage[0]  # coarse home area, for density maps
            person.save(update_fields=["postcode_sector"])
        _join(street, person, ["volunteer"])
    return f"{data.VOLUNTEERS} volunteers"


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


STEPS: list[Callable[[DemoContext], str]] = [
    load_groups, load_personas, load_volunteers, load_residents, load_listings,
]


@transaction.atomic
def load_demo() -> list[str]:
    ctx = DemoContext()
    return [step(ctx) for step in STEPS]
