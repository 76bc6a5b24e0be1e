"""The fast search gives the scan's answer: the same best volunteers, in the same order, as
scoring every volunteer of the group (cards with random places, services, breaks and load)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.utils import timezone

from kith.accounts.models import Person
from kith.matching import cards, core, load
from kith.matching.adapter import group_volunteers, rank_need
from kith.matching.models import MatchCard
from kith.places.geo import LatLon
from kith.volunteers.models import SLOTS
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

CENTRE = LatLon(51.5203, -0.2100)  # W10
SERVICES = ["shopping", "prescriptions", "befriending"]
DAY = 86_400_000_000


def _near(rng, km: float) -> LatLon:
    """A random point within `km` of the centre (uniform over the disc)."""
    r, a = km * math.sqrt(rng.random()), rng.random() * 2 * math.pi
    return LatLon(CENTRE.lat + r / 111.2 * math.sin(a),
                  CENTRE.lon + r / (111.2 * math.cos(math.radians(CENTRE.lat))) * math.cos(a))


def _seed(rng, n: int):
    group = GroupFactory()
    now = load.micros(timezone.now())
    people = Person.objects.bulk_create(
        [Person(email=f"v{i}@example.org", display_name=f"V{i}", password="!") for i in range(n)])
    rows = []
    for person in people:
        point = _near(rng, 4.0)
        offered = [s for s in SERVICES if rng.random() < 0.6]
        times = sorted(int(now - rng.integers(0, 40 * DAY)) for _ in range(rng.integers(0, 5)))
        rows.append(MatchCard(
            group=group, person=person, cell=cards.cell_for(point), home=cards.seal_point(point),
            services=cards.service_mask(offered),
            cleared=cards.service_mask([s for s in offered if rng.random() < 0.9]),
            slots=int(rng.integers(0, 1 << 21)), languages="|english|" + (
                "bengali|" if rng.random() < 0.2 else ""),
            radius_km=int(rng.integers(1, 6)), weekly_cap=int(rng.integers(1, 5)),
            on_duty=bool(rng.random() < 0.2),
            paused_until=cards.FOREVER if rng.random() < 0.1 else None,
            task_times=" ".join(map(str, times)), last_task=times[-1] if times else None,
            decline_times=str(now - DAY) if rng.random() < 0.1 else ""))
    MatchCard.objects.bulk_create(rows)
    return group


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_search_finds_the_scans_best_three(seed):
    rng = np.random.default_rng(seed)
    group = _seed(rng, 600)
    now = timezone.now()
    everyone = group_volunteers([group.pk], now)
    for i in range(25):
        need = core.Need(id=i, service=SERVICES[i % 3], place=_near(rng, 3.5), resident_id=0,
                         max_km=[None, 3.0, 1.0][i % 3],
                         language="bengali" if i % 4 == 0 else "",
                         language_required=i % 8 == 0,
                         # Half ask for a time: the search reads free times only then.
                         slots=frozenset(SLOTS[j] for j in rng.choice(len(SLOTS), 3))
                         if i % 2 else frozenset())
        weights = core.Weights(k=[1, 3, 5][i % 3])
        fast = rank_need([group.pk], need, weights, now=now)
        scan = core.rank(need, everyone, weights)
        # The explanation too ("free Tuesday afternoons"): the best found carry their times.
        assert ([(c.volunteer.id, c.score, c.explanation) for c in fast.candidates]
                == [(c.volunteer.id, c.score, c.explanation) for c in scan.candidates]), (seed, i)
