"""The demo's partner: Golborne Pharmacy, a partner of Golborne Road with one API token.

The token's secret is thrown away as it is made: tokens are secrets, so the demo prints none.
The coordinators' token page (Group → Partners) shows the partner, the token's prefix and
scopes, and how to make a new one (shown once) or revoke it.
"""

from __future__ import annotations

from kith.partners import services
from kith.partners.models import Partner

GROUP = "golborne-road"
NAME = "Golborne Pharmacy"


def load_partners(ctx) -> str:
    group = ctx.groups[GROUP]
    if Partner.objects.filter(group=group, name=NAME).exists():
        return "1 partner with an API token (0 new)"
    partner = services.add_partner(group, name=NAME, kind="pharmacy", acting_user=None)
    services.issue_token(partner, scopes=["refer", "runs", "read"],
                         label="Pharmacy's delivery system", acting_user=None)
    return "1 partner with an API token (1 new)"
