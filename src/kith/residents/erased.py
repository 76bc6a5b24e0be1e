"""An erased resident (kith.erasure): the row stays, named by its number, so the group's
figures still count their requests, but nothing may act on it again. Editing it would
re-create personal data the erasure log would not erase again after a restore (it skips ids
already erased), and a copy, a series or an exclusion would be about nobody."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404


def erasure_of(resident):
    """Their erasure row (when, why), or None while they are a live record."""
    from kith.erasure.models import Erasure

    return Erasure.objects.filter(kind=Erasure.Kind.RESIDENT, subject_id=resident.pk).first()


def live(residents):
    """`residents` without those erased: what a page may offer to act on."""
    from kith.erasure.models import Erasure

    return residents.exclude(pk__in=Erasure.objects.filter(
        kind=Erasure.Kind.RESIDENT).values("subject_id"))


def live_resident_or_404(group, pk):
    """The group's resident `pk`, for a page that acts on them: 404 once erased, as for a
    resident who never was (the page would have nothing true to say about them)."""
    resident = get_object_or_404(group.residents, pk=pk)
    if erasure_of(resident) is not None:
        raise Http404("Erased")
    return resident
