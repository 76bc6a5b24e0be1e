"""People with the same name are told apart wherever someone must choose one."""

from __future__ import annotations

import pytest

from kith.accounts.naming import distinct_names
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_it_leaves_unique_names_alone_and_adds_the_area_to_shared_ones():
    a = PersonFactory(display_name="Owen Xu", postcode_sector="W10 5", email="owen@x.invalid")
    b = PersonFactory(display_name="Owen Xu", postcode_sector="W11 1", email="o.xu@x.invalid")
    c = PersonFactory(display_name="Tess Rahman", postcode_sector="W10 5")
    assert distinct_names([a, b, c]) == {a.pk: "Owen Xu, W10 5", b.pk: "Owen Xu, W11 1",
                                         c.pk: "Tess Rahman"}


def test_it_falls_back_to_the_email_when_the_area_is_shared_too():
    a = PersonFactory(display_name="Owen Xu", postcode_sector="W10 5", email="owen@x.invalid")
    b = PersonFactory(display_name="owen xu", postcode_sector="W10 5", email="o.xu@x.invalid")
    labels = distinct_names([a, b])
    assert labels[a.pk] != labels[b.pk]
    assert labels[a.pk].endswith("(owen)") and labels[b.pk].endswith("(o.xu)")
