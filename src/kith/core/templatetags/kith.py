from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.filter
def service_label(key):
    """A kind of help in words ("prescriptions" → "Collecting prescriptions"), from the one
    catalogue, so a template showing a group's services needs nothing passed in by its view."""
    from kith.groups.catalogue import SERVICE_LABELS

    return SERVICE_LABELS.get(key, key)


@register.filter
def phone_display(e164):
    from kith.core.phones import display_phone

    return display_phone(e164) if e164 else ""


@register.filter
def short_when(moment):
    """"13:55" today; "Thu 10 Dec, 13:55" on another day (a deadline must say which day)."""
    from django.utils import formats, timezone

    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return formats.date_format(local, "H:i")
    return formats.date_format(local, "D j M, H:i")
