"""`{% privacy_link group %}`: the one line under every form that collects personal data.

With `read_out=True` (call handlers' intake) it adds the words to say on the phone, with the
group's own periods from its schedule.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from kith.retention import schedule

register = template.Library()


@register.inclusion_tag("retention/_notice_link.html")
def privacy_link(group=None, read_out=False):
    words = ""
    if read_out and group is not None:
        periods = schedule.effective(group)
        words = _("“We keep your details to arrange your help. Only the people who organise help "
                  "in %(group)s can see them. What you need is cleared %(details)s after your "
                  "request is closed, and your details %(resident)s after you last needed us. "
                  "You can ask for a copy or ask us to delete them at any time.”") % {
            "group": group.name, "details": periods["request_details_days"].words,
            "resident": periods["resident_months"].words}
    return {"group": group, "read_out": words}
