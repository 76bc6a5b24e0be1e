"""Telling people with the same name apart wherever a list asks someone to choose one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.utils.translation import gettext


def distinct_names(people: Iterable) -> dict[int, str]:
    """{person pk: a label no one else in `people` shares}.

    A name shared with nobody stays as it is. Shared names gain their area ("Owen Xu, W10 5");
    if that is still shared, the part of their email before the @ (the lists that call this
    are for coordinators, who may see volunteers' emails).
    """
    people = list(people)
    by_name = Counter(str(p).casefold() for p in people)
    labels = {p.pk: str(p) if by_name[str(p).casefold()] == 1
              else f"{p}, {p.postcode_sector or '?'}" for p in people}
    by_label = Counter(label.casefold() for label in labels.values())
    for p in people:
        if by_label[labels[p.pk].casefold()] > 1:
            # A volunteer imported with a phone number only has no email to tell them by.
            handle = p.email.split("@")[0] if p.email else gettext("no email yet")
            labels[p.pk] = f"{labels[p.pk]} ({handle})"
    return labels
