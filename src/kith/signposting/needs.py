"""What a local service helps with: the needs a call handler searches by.

Pure data, like groups/catalogue.py. These are the reasons people are signposted elsewhere
(seed 003: Citizens Advice, the council, domestic violence support, food banks and community
kitchens), not the help a group's own volunteers give. Keys are stored: add, never rename.
"""

from django.utils.translation import gettext_lazy as _

NEEDS: list[tuple[str, str]] = [
    ("food", _("Food: food banks, pantries, community kitchens")),
    ("money", _("Money, benefits and debt advice")),
    ("housing", _("Housing and homelessness")),
    ("company", _("Loneliness and befriending")),
    ("mental_health", _("Mental health and wellbeing")),
    ("domestic_abuse", _("Domestic abuse")),
    ("immigration", _("Immigration and legal advice")),
    ("health", _("Health, care and prescriptions")),
    ("digital", _("Getting online and forms")),
    ("other", _("Anything else")),
]
NEED_LABELS = dict(NEEDS)
NEED_KEYS = frozenset(NEED_LABELS)
