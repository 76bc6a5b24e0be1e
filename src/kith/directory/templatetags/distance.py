"""{% load distance %}{{ metres|miles }} or {{ km|km_miles }}: every distance a person reads,
in miles (kith.directory.distance)."""

from django import template

from kith.directory.distance import in_miles, km_in_miles

register = template.Library()


@register.filter
def miles(metres):
    return in_miles(metres)


@register.filter
def km_miles(km):
    return km_in_miles(km)
