"""The message log's words for a message: what it was about, and why it did not arrive."""

from __future__ import annotations

from django import template

from kith.messaging import log

register = template.Library()


@register.filter
def what_about(message) -> str:
    return log.what_about(message)


@register.filter
def why_not_delivered(message) -> str:
    return log.failure_words(message)


@register.filter
def held_until(message):
    """When a text held for quiet hours goes, or None."""
    return log.held_until(message)
