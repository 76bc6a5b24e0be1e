"""How a copy's plain JSON values read on the page: dates in words, lists as lists."""

from __future__ import annotations

import re
from datetime import date, datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}.*)?$")


@register.filter
def shown(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {shown(v)}" for k, v in value.items())
    if isinstance(value, str) and _ISO.match(value):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
        if "T" not in value:
            return formats.date_format(date.fromisoformat(value), "j M Y")
        return formats.date_format(when, "j M Y, H:i")
    return str(value)


@register.filter
def held(sections) -> list:
    """The copy's sections with something in them, shown one by one."""
    return [section for section in sections if section["rows"]]


@register.filter
def not_held(sections) -> list[str]:
    """The titles of empty sections, folded into one line (finding 3): a long page of
    "Nothing." hides what matters."""
    return [section["title"] for section in sections if not section["rows"]]
