"""{% load distance %}{{ metres|miles }}: distances on public pages (kith.directory.distance)."""

from django import template

from kith.directory.distance import in_miles

register = template.Library()


@register.filter
def miles(metres):
    return in_miles(metres)
