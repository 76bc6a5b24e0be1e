"""Which leads handle a group's cases: its own safeguarding leads, or, when it has none, the
leads of the nearest group above that has one. Worked out when asked, never stored, so a lead
named later takes over their group's cases at once."""

from __future__ import annotations

from kith.groups.models import Group, Membership


def groups_with_leads(groups: list[Group]) -> set[int]:
    return set(Membership.objects.filter(group__in=groups, is_safeguarding_lead=True)
               .values_list("group_id", flat=True))


def handling_group(group: Group) -> Group:
    """The group whose leads handle `group`'s cases; the group itself when no group on the
    way up has a lead (then nobody sees the details until one is named)."""
    chain = [group, *group.ancestors()]
    with_leads = groups_with_leads(chain)
    return next((g for g in chain if g.pk in with_leads), group)


def leads_for(group: Group) -> list:
    handler = handling_group(group)
    return [m.person for m in Membership.objects.filter(group=handler, is_safeguarding_lead=True)
            .select_related("person")]


def handled_groups(group: Group) -> list[Group]:
    """`group` and every group below it whose cases come to `group`'s leads (those with no
    lead of their own between them and `group`)."""
    found = [group]
    frontier = [group]
    while frontier:
        children = list(Group.objects.filter(parent__in=frontier))
        with_leads = groups_with_leads(children)
        frontier = [c for c in children if c.pk not in with_leads]
        found += frontier
    return found


def cases_in_hand(group: Group):
    """The requests and residents `group`'s safeguarding cases are about: all a lead standing
    in from above may open where the group keeps its residents' details to itself."""
    from kith.requests.callbacks import InHand
    from kith.safeguarding.models import Case

    rows = list(Case.objects.filter(group=group).values_list("request_id", "resident_id"))
    return InHand(requests=frozenset(r for r, _ in rows if r),
                  residents=frozenset(r for _, r in rows if r))
