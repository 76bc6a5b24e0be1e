"""The today page's line for the directory: the group's own services nobody has checked for
six months (groups/today.py draws it for those who can mark them checked)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import ngettext

from kith.groups.models import Group
from kith.signposting.models import stale_before


def stale_services(group: Group) -> tuple[str, int, str]:
    """(words, count, link) for groups.today.Item."""
    count = group.local_services.filter(Q(last_checked__isnull=True)
                                        | Q(last_checked__lt=stale_before())).count()
    return (ngettext("local service not checked for six months",
                     "local services not checked for six months", count),
            count, reverse("signposting:list", args=[group.slug]))
