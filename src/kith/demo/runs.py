"""The demo's pharmacy run: East Barnet Mutual Aid, seven volunteers cleared for prescriptions,
and twenty prescriptions from one pharmacy waiting to be split into routes.

Barnet is outside the demo borough, so the group hangs directly under the network. Postcodes
are real ones in the London Borough of Barnet (ONS local authority E09000003), chosen once from
the ONS directory; one stop's postcode (N20 0ZZ) is not in it, to show a run routing the rest
and listing the stop it could not place. People, streets and the pharmacy are made up.
Everything goes through the services, so the run has its audit trail.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kith.groups.models import Group, Membership
from kith.runs import services as run_services
from kith.runs.models import Run
from kith.volunteers import services as volunteer_services

GROUP = {"slug": "east-barnet", "name": "East Barnet Mutual Aid", "kind": "neighbourhood",
         "coverage": ["EN4 8", "EN4 9", "EN5 1", "N20 0"],
         "services": ["shopping", "prescriptions", "foodbank", "befriending"],
         "description": "Neighbours in East Barnet, Cockfosters and Oakleigh Park: prescription "
                        "runs with the local pharmacies, shopping and friendly calls."}
COORDINATOR = ("rosa", "Rosa Lindqvist")
PARTNER = "Cat Hill Pharmacy"
PICKUP = ("Cat Hill Pharmacy, 148 East Barnet Road", "EN4 8QA")

# (name, postcode): volunteers who live around the pickup, all approved with a DBS check.
VOLUNTEERS = [
    ("Ade Bankole", "EN4 8DH"), ("Bea Hartley", "EN4 9EA"), ("Chen Wei", "EN5 1HQ"),
    ("Dilys Morgan", "N20 0DN"), ("Emre Kaya", "EN4 8SG"), ("Fran O'Neill", "EN4 9PR"),
    ("Gus Abara", "EN5 1LN"),
]

STOPS = """\
Mrs Edith K, 12 Brookside Gardens, EN4 8AJ, ring twice and wait
Mr Harold P, 3 Cat Hill Close, EN4 8HG
Joan M, Flat 4, 27 Church Hill Road, EN4 8LU, hard of hearing: knock loudly
Mr Dennis A, 9 Park Crescent, EN4 8UL
Amira S, 41 Cedar Avenue, EN4 9AN
Mrs Ivy T, 6 Lancaster Mews, EN4 9JL, side door
Mr Walter B, 18 Belmont Avenue, EN4 9RT
Nora G, 2 Daneland Place, EN5 1AR
Mr Frank O, 55 Bevan Road, EN5 1DS, leave with no one else
Lena W, 7 Fitzroy Drive, EN5 1QB
Mrs Grace L, 30 Somerset Way, EN5 1SD
Mr Peter H, 14 Oakleigh Rise, N20 0AJ
Arthur C, Flat 1, 8 Russell Lane, N20 0FJ
Mrs Beryl N, 22 Greenway Court, N20 0JN, dog is friendly
Mr Sunil R, 5 Derwent Walk, N20 0NN
Olive D, 19 Hill Crest, N20 0QQ
Mr Tomasz Z, 11 Netherlands Way, N20 0SU
Mrs Rita F, 4 Ashfield Parade, N20 0XB, call from the gate
Mr Kwame A, 27 Willow Walk, EN4 9PR
Mrs Hilda J, 3 Meadow Close, N20 0ZZ
"""


def _member(group: Group, person, roles: list[str]) -> None:
    membership = Membership.objects.filter(group=group, person=person).first()
    if membership is None or not set(roles) <= membership.roles:
        from kith.groups import services as group_services

        group_services.add_member(group, person, roles=roles, acting_user=None)


def load_runs(ctx) -> str:
    from kith.demo import data
    from kith.demo.loader import demo_group, demo_person

    group = demo_group(ctx, ctx.groups["demo-network"], **GROUP)
    local, name = COORDINATOR
    rosa = demo_person(f"{local}@{data.EMAIL_DOMAIN}", name, password=data.DEMO_PASSWORD)
    ctx.people[local] = rosa
    _member(group, rosa, ["coordinator", "call_handler"])
    seen = timezone.localdate() - timedelta(days=60)
    for n, (full_name, postcode) in enumerate(VOLUNTEERS, 1):
        person = demo_person(f"barnet.volunteer{n}@{data.EMAIL_DOMAIN}", full_name,
                         password=data.DEMO_PASSWORD)
        if not hasattr(person, "volunteer"):
            volunteer_services.sign_up(
                person, acting_user=person, postcode=postcode,
                consents=["data", "adult", "unpaid", "safety"],
                services=["prescriptions", "shopping"] + (["foodbank"] if n % 2 else []),
                availability=["mon_am", "tue_pm", "wed_am", "thu_pm", "sat_am"],
                languages=["English"], transport="foot" if n % 3 else "bike", radius_km=3,
                weekly_cap=4, on_duty=n % 2 == 1)
        membership = group.memberships.get(person=person)
        if not membership.person.vettings.filter(group=group, approved_at__isnull=False).exists():
            volunteer_services.record_vetting(
                membership, acting_user=rosa, id_seen_at=seen, references_at=seen,
                dbs_level="enhanced", dbs_date=seen)
            volunteer_services.approve(membership, acting_user=rosa)
    run = Run.objects.filter(group=group, partner_name=PARTNER).first()
    if run is None:
        run = run_services.create_run(
            group, acting_user=rosa, kind=Run.Kind.PHARMACY, partner_name=PARTNER,
            pickup_name=PICKUP[0], pickup_postcode=PICKUP[1],
            date=timezone.localdate() + timedelta(days=1), team_size=3, max_stops=8)
        read = run_services.add_stops(run, STOPS, acting_user=rosa)
        assert not read.errors, read.errors
    unplaced = run.stops.exclude(problem="").count()
    return (f"1 pharmacy run ready to split ({run.stops.count()} stops, {unplaced} "
            "unknown postcode)")
