"""Every model is either part of a copy of someone's data or left out with a reason."""

from __future__ import annotations

from django.apps import apps

from kith.transparency.catalogue import EXCLUDED, HIDDEN_ACCESS, PARTS


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


# Person parts whose rows link to a resident's record but are the person's own (his money
# claim on her request, a message sent to him): looks at them are looks at his data.
HIS_OWN_DESPITE_THE_LINK = {"claims", "money_flags", "messages", "accounts", "check_ins",
                            "money_lines", "receipts", "withdrawals"}


def test_a_persons_part_about_residents_records_keeps_their_looks_out_of_his_log():
    """Finding 5: a new part of a volunteer's copy that shows a resident's records must say
    so (residents_records=True), or his access log would tell him who looked at hers."""
    theirs = {"residents.resident", "requests.helprequest", "requests.series", "runs.run"}
    undecided = []
    for part in PARTS:
        if part.person is None or part.residents_records or part.model in HIDDEN_ACCESS:
            continue
        model = apps.get_model(part.model)
        links = {f.related_model._meta.label_lower for f in model._meta.concrete_fields
                 if f.is_relation and f.related_model is not None}
        if part.model in theirs or (links & theirs and part.key not in HIS_OWN_DESPITE_THE_LINK):
            undecided.append(part.key)
    assert not undecided, undecided
