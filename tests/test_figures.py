"""Dashboard figures: each child rolls up everything below it, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kith.groups.figures import figures_with_children
from kith.groups.models import Group
from tests.factories import GroupFactory, MembershipFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _people(group, n, **roles):
    for _ in range(n):
        MembershipFactory(group=group, **{f"is_{r}": True for r in roles})


def _tree(borough, wards, streets_per_ward, prefix="t"):
    for w in range(wards):
        ward = GroupFactory(slug=f"{prefix}-ward-{w}", name=f"Ward {w}", kind=Group.Kind.WARD,
                            parent=borough)
        for s in range(streets_per_ward):
            street = GroupFactory(slug=f"{prefix}-street-{w}-{s}", kind=Group.Kind.STREET,
                                  parent=ward)
            _people(street, 1, coordinator=True)
            ResidentFactory(group=street)


@pytest.fixture
def filled(borough, ward, street, other_street, priya, sam, tom, nadia, mrs_ahmed):
    _people(ward, 1, coordinator=True)
    _people(street, 2, volunteer=True)
    _people(other_street, 3, volunteer=True)
    ResidentFactory(group=other_street)
    ResidentFactory(group=other_street)
    quiet = GroupFactory(slug="quiet", name="Quiet Ward", kind=Group.Kind.WARD, parent=borough)
    _people(borough, 1, coordinator=True)
    return quiet


def test_it_rolls_streets_up_into_their_ward(borough, ward, filled):
    _, children = figures_with_children(borough)
    assert [child for child, _ in children] == [ward, filled]  # by name
    golborne = children[0][1]
    # ward 1 + Golborne Road (priya, sam, tom + 2) + Lots Road (nadia + 3)
    assert golborne.members == 1 + 5 + 4
    assert golborne.roles["volunteer"] == 1 + 2 + 3
    assert golborne.roles["coordinator"] == 1 + 1 + 1
    assert golborne.roles["call_handler"] == 1
    assert golborne.residents == 1 + 2


def test_it_shows_an_empty_ward_as_zeros(borough, filled):
    _, children = figures_with_children(borough)
    quiet = dict(children)[filled]
    assert (quiet.members, quiet.residents, sum(quiet.roles.values())) == (0, 0, 0)


def test_it_keeps_the_groups_own_figures_apart(borough, filled):
    own, _ = figures_with_children(borough)
    assert (own.members, own.roles["coordinator"], own.residents) == (1, 1, 0)


def test_it_shows_a_ward_its_streets(ward, street, other_street, filled):
    own, children = figures_with_children(ward)
    assert own.members == 1
    assert {child.slug: fig.members for child, fig in children} == {
        "golborne-road": 5, "lots-road": 4}


def test_it_shows_a_street_no_children(street, filled):
    own, children = figures_with_children(street)
    assert children == []
    assert (own.members, own.residents) == (5, 1)


def _queries(group):
    with CaptureQueriesContext(connection) as captured:
        figures_with_children(group)
    return len(captured)


@pytest.mark.parametrize("wards, streets_per_ward", [(1, 1), (3, 4), (6, 8)])
def test_it_uses_a_fixed_number_of_queries(borough, django_assert_max_num_queries, wards,
                                           streets_per_ward):
    _tree(borough, wards, streets_per_ward)
    # The tree (four levels here), the groups, members, residents and signposted this month.
    with django_assert_max_num_queries(7):
        figures_with_children(borough)


def test_it_does_not_add_queries_as_the_tree_grows(borough):
    _tree(borough, 1, 1)
    small = _queries(borough)
    _tree(borough, 5, 6, prefix="big")
    assert _queries(borough) == small
