"""Every model is either part of a copy of someone's data or left out with a reason."""

from __future__ import annotations

from django.apps import apps

from kith.transparency.catalogue import EXCLUDED, PARTS


def _labels() -> set[str]:
    return {m._meta.label_lower for m in apps.get_models()}


def test_it_decides_for_every_model():
    covered = {part.model for part in PARTS}
    undecided = sorted(_labels() - covered - set(EXCLUDED))
    assert not undecided, f"Models neither in a copy (PARTS) nor EXCLUDED with a reason: {undecided}"


def test_it_names_no_model_that_is_gone_and_none_twice():
    covered = {part.model for part in PARTS}
    assert not (set(EXCLUDED) - _labels())
    assert not (covered - _labels())
    assert not (covered & set(EXCLUDED)), "a model is both in a copy and excluded"
    assert all(len(why) > 15 for why in EXCLUDED.values())


def test_it_covers_every_model_that_points_at_a_resident_or_a_person_or_says_why():
    """A model with a link to a resident or an account is either read for a copy or excluded
    for a stated reason; every part's fields exist on its model."""
    for part in PARTS:
        model = apps.get_model(part.model)
        for name in part.fields:
            model._meta.get_field(name)  # raises for a field that is gone
    people = {"residents.resident", "accounts.person"}
    pointing = {m._meta.label_lower for m in apps.get_models()
                if any(f.is_relation and f.related_model is not None
                       and f.related_model._meta.label_lower in people
                       for f in m._meta.concrete_fields)}
    covered = {part.model for part in PARTS}
    assert pointing <= covered | set(EXCLUDED)
