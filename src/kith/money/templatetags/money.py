from decimal import Decimal

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.filter
def pounds(value) -> str:
    """£1,234.50; a negative amount as −£3.00."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    if amount < 0:  # kept on one line: the minus never wraps away from its number
        return format_html('<span class="nowrap">−£{}</span>', f"{-amount:,.2f}")
    return f"£{amount:,.2f}"


@register.filter
def long_day(value) -> str:
    """"Friday 18 December", with the year when it is not this year's (a date a year on must
    not read as this month)."""
    if not value:
        return ""
    same_year = value.year == timezone.localdate().year
    return date_filter(value, "l j F" if same_year else "l j F Y")


@register.inclusion_tag("money/_check_up.html")
def cash_to_confirm(callback) -> dict:
    """On a check-up call's screen: cash the volunteer recorded that this call should confirm."""
    from kith.money.models import CashCheck

    req = getattr(callback, "request", None)
    if req is None:
        return {"checks": []}
    checks = list(CashCheck.objects.filter(entry__request=req,
                                           outcome=CashCheck.Outcome.WAITING)
                  .select_related("entry").prefetch_related("entry__lines"))
    return {"checks": checks, "req": req, "callback": callback}
