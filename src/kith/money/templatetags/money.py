from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pounds(value) -> str:
    """£1,234.50; a negative amount as −£3.00."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    return f"−£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"
