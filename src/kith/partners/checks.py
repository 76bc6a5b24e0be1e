"""`kith check --deploy`: webhooks to private addresses are for trying things out only."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_webhook_addresses(app_configs=None, **kwargs):
    if not settings.KITH_WEBHOOKS_ALLOW_PRIVATE:
        return []
    return [Warning(
        "KITH_WEBHOOKS_ALLOW_PRIVATE is on: a partner's webhook address could point at this "
        "server's own network, and Kith would post to it.",
        hint="Turn it off in production (docs/DEPLOY.md).", id="kith.partners.W001")]
