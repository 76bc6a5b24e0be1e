"""A borough-sized Kith for the load test (bench/load_site.py), written fast with bulk_create into
a throwaway database: run as `python -m bench.load_seed OUT.json` with DATABASE_URL naming it.

On top of the demo borough (`kith demo`: its groups, personas and stories):
- 50,000 volunteers spread over its streets, each with a membership, a profile and a matching
  card at a point in the borough, so matching ranks among real numbers;
- 200,000 past requests (done, closed, cancelled, could not help) over three years, from 40,000
  residents, a quarter of them with their closed call-back, those done with their volunteer;
- on each street, open work: new requests waiting for a call back, and triaged ones;
- the simulated people: coordinators and call handlers on every street, and volunteers each
  holding open offers to answer; each is signed in (a session, as after the emailed code).

What the simulated people need (their session cookies, offer ids, references, slugs) is written
to OUT.json for the locustfile, which does not load Django.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import timedelta

# KITH_LOAD_SMALL=1 (load_site.py --small): a twenty-fifth of the borough, to try the run.
SMALL = os.environ.get("KITH_LOAD_SMALL") == "1"
VOLUNTEERS = 2_000 if SMALL else 50_000
PAST_REQUESTS = 8_000 if SMALL else 200_000
RESIDENTS = 1_600 if SMALL else 40_000
OPEN_PER_STREET = 40  # new (with a call back waiting) and triaged
SIMULATED = {"coordinator": 12, "call_handler": 12, "volunteer": 40}
OFFERS_EACH = 40  # open offers per simulated volunteer: more than two minutes of answering
BATCH = 5_000
SEED = 20261204
# Around Kensington & Chelsea (the demo borough): matching cards sit within it.
CENTRE, SPREAD = (51.50, -0.19), 0.025
REFERENCE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # requests.intake's: read aloud over the phone
PAST_STATES = ["closed"] * 6 + ["checked_up", "done", "cancelled", "could_not_help"]
SERVICES = ["shopping", "prescriptions", "dog_walking", "befriending", "errands", "lifts"]
SECTORS = ["W10 5", "W10 6", "W11 1", "W11 4", "SW5 0", "SW5 9", "SW3 5", "SW10 0"]


def _reference(i: int) -> str:
    digits = []
    for _ in range(6):
        i, d = divmod(i, len(REFERENCE_ALPHABET))
        digits.append(REFERENCE_ALPHABET[d])
    return "".join(digits[:3]) + "-" + "".join(digits[3:])


def _log(what: str, since: float) -> None:
    print(f"  {what} ({time.monotonic() - since:.0f} s)", file=sys.stderr, flush=True)


def _people(prefix: str, n: int):
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    from kith.accounts.models import Person

    made = []
    for start in range(0, n, BATCH):
        made += Person.objects.bulk_create(
            [Person(email=f"{prefix}{i}@load.kith.invalid", display_name=f"{prefix.title()} {i}",
                    password=UNUSABLE_PASSWORD_PREFIX) for i in range(start, min(n, start + BATCH))],
            batch_size=BATCH)
    return made


def _volunteers(streets, rng: random.Random) -> None:
    from kith.groups.models import Membership
    from kith.matching import cards
    from kith.matching.models import MatchCard
    from kith.places.geo import LatLon
    from kith.volunteers.models import SLOTS, VolunteerProfile

    people = _people("v", VOLUNTEERS)
    memberships, profiles, match_cards = [], [], []
    for i, person in enumerate(people):
        street = streets[i % len(streets)]
        chosen = rng.sample(SERVICES, rng.randint(1, 3))
        memberships.append(Membership(person=person, group=street, is_volunteer=True))
        profiles.append(VolunteerProfile(person=person, services=chosen,
                                         availability=rng.sample(SLOTS, 3)))
        point = LatLon(CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
                       CENTRE[1] + rng.uniform(-SPREAD, SPREAD))
        match_cards.append(MatchCard(
            group=street, person=person, cell=cards.cell_for(point), home=cards.seal_point(point),
            services=cards.service_mask(chosen), cleared=cards.service_mask(chosen),
            slots=rng.getrandbits(len(SLOTS)), languages="|english|", radius_km=rng.randint(1, 5),
            weekly_cap=rng.randint(1, 5)))
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    VolunteerProfile.objects.bulk_create(profiles, batch_size=BATCH)
    MatchCard.objects.bulk_create(match_cards, batch_size=BATCH)
    _approved(people, memberships)
    by_street: dict[int, list[int]] = {}
    for membership in memberships:
        by_street.setdefault(membership.group_id, []).append(membership.person_id)
    return by_street


def _approved(people, memberships) -> None:
    """Consents given and checks made, as for a running group's volunteers: the cards above
    say they are cleared, and Kith checks the cards against these on every request page (a
    card out of step with them is mended, a write, on each view)."""
    from datetime import date

    from django.utils import timezone

    from kith.volunteers.models import CONSENT_VERSIONS, Consent, Vetting

    now, day = timezone.now(), date(2026, 1, 5)
    Consent.objects.bulk_create(
        [Consent(person=person, kind=kind, version=version) for person in people
         for kind, version in CONSENT_VERSIONS.items()], batch_size=BATCH)
    Vetting.objects.bulk_create(
        [Vetting(person_id=m.person_id, group_id=m.group_id, approved_at=now, id_seen_at=day,
                 references_at=day, dbs_level="enhanced", dbs_date=day) for m in memberships],
        batch_size=BATCH)


def _residents(streets, rng: random.Random):
    from kith.residents.models import Resident

    rows = []
    for i in range(RESIDENTS):
        sector = rng.choice(SECTORS)
        rows.append(Resident(group=streets[i % len(streets)], name=f"Resident {i}",
                             phone=f"+44207946{i % 10000:04d}", postcode=f"{sector}AA",
                             postcode_sector=sector))
    return Resident.objects.bulk_create(rows, batch_size=BATCH)


def _past_requests(residents, helpers: dict[int, list[int]], rng: random.Random) -> int:
    """Past requests, a quarter with their closed call back; those that were done, with the
    volunteer who did them (the list shows them and filters by them)."""
    from django.utils import timezone

    from kith.requests.models import Assignment, Callback, HelpRequest

    taken = set(HelpRequest.objects.values_list("reference", flat=True))
    now = timezone.now()
    done = 0
    for start in range(0, PAST_REQUESTS, BATCH):
        rows = []
        for i in range(start, min(PAST_REQUESTS, start + BATCH)):
            reference = _reference(1_000_000 + i * 7)
            if reference in taken:
                continue
            resident = residents[rng.randrange(len(residents))]
            created = now - timedelta(days=rng.uniform(2, 3 * 365))
            rows.append(HelpRequest(
                group_id=resident.group_id, resident=resident, reference=reference,
                service=rng.choice(SERVICES), urgency="soon", channel="web",
                state=rng.choice(PAST_STATES), created_at=created,
                state_changed_at=created + timedelta(days=2), needed_by=created + timedelta(days=3)))
        made = HelpRequest.objects.bulk_create(rows, batch_size=BATCH)
        Callback.objects.bulk_create(
            [Callback(group_id=r.group_id, kind="request", request=r, resident_id=r.resident_id,
                      due_at=r.created_at + timedelta(hours=4), created_at=r.created_at,
                      not_before=r.created_at, outcome="reached", result="reached",
                      closed_at=r.created_at + timedelta(hours=1))
             for r in made[::4]], batch_size=BATCH)
        Assignment.objects.bulk_create(
            [Assignment(request=r, volunteer_id=rng.choice(helpers[r.group_id]),
                        assigned_at=r.created_at + timedelta(hours=2),
                        due_by=r.created_at + timedelta(days=2),
                        ended_at=r.created_at + timedelta(days=1), end=Assignment.End.DONE)
             for r in made if r.state in ("closed", "checked_up", "done")], batch_size=BATCH)
        done += len(made)
    return done


def _open_work(streets, residents_by_group, rng: random.Random) -> None:
    """Today's work on each street, through Kith's own intake: new requests (each queued for a
    call back) and some already triaged."""
    from kith.requests.intake import Contact, Need, take_request

    for street in streets:
        for i in range(OPEN_PER_STREET):
            resident = residents_by_group[street.pk][i]
            take_request(street, channel="phone", resident=resident, triage=i % 3 == 0,
                         contact=Contact(name=resident.name, phone=f"+44790090{i:04d}"),
                         need=Need(service=rng.choice(SERVICES), details="Load test",
                                   urgency="soon", consent=True))


def _signed_in(person) -> str:
    """A session as after signing in with the emailed code; its key is the cookie's value."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.create()
    return session.session_key


def _simulated(streets, residents_by_group) -> dict:
    from datetime import date

    from django.utils import timezone

    from kith.groups.models import Membership
    from kith.matching.models import Offer
    from kith.requests import lifecycle
    from kith.requests.models import Callback, HelpRequest
    from kith.volunteers.models import CONSENT_VERSIONS, Consent, Vetting, VolunteerProfile

    out: dict = {"coordinators": [], "call_handlers": [], "volunteers": []}
    for role, key in (("coordinator", "coordinators"), ("call_handler", "call_handlers")):
        for i, person in enumerate(_people(f"sim-{role.replace('_', '-')}-", SIMULATED[role])):
            street = streets[i % len(streets)]
            Membership.objects.create(person=person, group=street, **{f"is_{role}": True})
            entry = {"session": _signed_in(person), "slug": street.slug}
            if role == "coordinator":
                entry["references"] = list(HelpRequest.objects.filter(group=street)
                                           .order_by("-created_at")
                                           .values_list("reference", flat=True)[:200])
            else:
                entry["callbacks"] = list(Callback.objects.filter(group=street, closed_at=None)
                                          .values_list("pk", flat=True))
            out[key].append(entry)
    now, day = timezone.now(), date(2026, 1, 5)
    reference = 5_000_000
    for i, person in enumerate(_people("sim-volunteer-", SIMULATED["volunteer"])):
        street = streets[i % len(streets)]
        Membership.objects.create(person=person, group=street, is_volunteer=True)
        VolunteerProfile.objects.create(person=person, services=SERVICES)
        Consent.objects.bulk_create([Consent(person=person, kind=kind, version=version)
                                     for kind, version in CONSENT_VERSIONS.items()])
        Vetting.objects.create(person=person, group=street, approved_at=now, id_seen_at=day,
                               references_at=day, dbs_level="enhanced", dbs_date=day)
        residents = residents_by_group[street.pk]
        requests = []
        for j in range(OFFERS_EACH):
            reference += 1
            requests.append(HelpRequest(
                group=street, resident=residents[OPEN_PER_STREET + j % 50],
                reference=_reference(reference), service=SERVICES[j % len(SERVICES)],
                urgency="soon", channel="web", state=lifecycle.OFFERED, offer_rounds=1,
                needed_by=now + timedelta(days=2)))
        requests = HelpRequest.objects.bulk_create(requests)
        offers = Offer.objects.bulk_create([
            Offer(request=r, volunteer=person, distance_km=0.5, explanation="0.5 km",
                  expires_at=now + timedelta(hours=6)) for r in requests])
        out["volunteers"].append({"session": _signed_in(person), "offers": [o.pk for o in offers]})
    return out


def seed(out_path: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from kith.groups.models import Group

    rng = random.Random(SEED)
    start = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    _log("migrated", start)
    call_command("postcodes", verbosity=0)
    call_command("demo", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    _log("demo borough, postcodes and static files", start)
    streets = list(Group.objects.filter(kind=Group.Kind.STREET, parent__parent__slug="kensington-chelsea")
                   .order_by("slug"))
    with transaction.atomic():
        helpers = _volunteers(streets, rng)
    _log(f"{VOLUNTEERS} volunteers", start)
    with transaction.atomic():
        residents = _residents(streets, rng)
        by_group: dict[int, list] = {}
        for resident in residents:
            by_group.setdefault(resident.group_id, []).append(resident)
        past = _past_requests(residents, helpers, rng)
    _log(f"{RESIDENTS} residents, {past} past requests", start)
    with transaction.atomic():
        _open_work(streets, by_group, rng)
        simulated = _simulated(streets, by_group)
    from django.db import connection

    # A borough's 200,000 past requests were written over years, and autovacuum has visited
    # them since: without this each page's first read of a row would set its hint bits, and
    # counts could not come from the indexes alone (PostgreSQL needs the visibility map).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    _log("open work and simulated people", start)
    simulated["streets"] = [s.slug for s in streets]
    simulated["postcodes"] = ["W10 5NW", "W11 1PG", "SW5 9AN", "W10 6AA", "SW3 5EE", "N1 9GU"]
    with open(out_path, "w") as f:
        json.dump(simulated, f)


if __name__ == "__main__":
    seed(sys.argv[1])
