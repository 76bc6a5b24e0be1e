"""Plain-text mail from a template: the one way Kith's services write to people.

Every message goes into the outbox (kith.messaging): written in the caller's transaction and
sent by `kith worker`, with retries, so a mail server that is down loses nothing.
"""

from __future__ import annotations

from kith.core.links import site_url  # links in mail: the address Kith is served on

__all__ = ["send_templated", "site_url"]


def send_templated(*, to: str, subject: str, template: str, context: dict, person=None,
                   group=None, resident=None) -> None:
    """Queue one message to `to`, sent once the caller's transaction commits. `person` and
    `group` put it in that person's and that group's message log."""
    from kith.messaging.outbox import queue_email

    queue_email(to=to, subject=subject, template=template, context=context, person=person,
                group=group, resident=resident)
