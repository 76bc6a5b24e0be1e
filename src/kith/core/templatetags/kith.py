from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.filter
def phone_display(e164):
    from kith.core.phones import display_phone

    return display_phone(e164) if e164 else ""
