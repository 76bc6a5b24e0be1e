from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from kith.retention.schedule import RULES, UNIT_LABELS


class ScheduleForm(forms.Form):
    """One box per period; empty follows the group above (said in each box's help)."""

    def __init__(self, *args, inherited, group, **kwargs):
        super().__init__(*args, **kwargs)
        above = group.parent.name if group.parent_id else _("Kith's default")
        for rule in RULES:
            unit = UNIT_LABELS[rule.unit]
            period = inherited[rule.field]
            limits = {"low": rule.low, "high": rule.high, "unit": unit}
            self.fields[rule.field] = forms.IntegerField(
                label=rule.label, required=False, min_value=rule.low,
                max_value=rule.high,
                help_text=_("%(what)s In %(unit)s, from %(low)s to %(high)s. Leave it empty to follow "
                            "%(above)s: %(period)s. %(why)s") % {
                    **limits, "what": rule.what, "above": above, "period": period.words, "why": rule.why_low},
                error_messages={
                    "invalid": _("Write a whole number of %(unit)s, like %(example)s.") % {
                        "unit": unit, "example": rule.default},
                    "min_value": _("At least %(low)s %(unit)s. %(why)s") % {
                        **limits, "why": rule.why_low},
                    "max_value": _("At most %(high)s %(unit)s: keeping personal data longer "
                                   "than that needs a reason Kith cannot check.") % limits,
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
