from django import template

from kith.groups.navigation import navigation

register = template.Library()


@register.inclusion_tag("groups/_nav.html", takes_context=True)
def group_nav(context, group):
    request = context["request"]
    access = getattr(request, "access", None)
    permissions = access.permissions if access is not None else frozenset()
    view_name = request.resolver_match.view_name if request.resolver_match else ""
    sections = navigation(group, permissions, view_name)
    return {"group": group, "first": sections[0] if sections else None, "menus": sections[1:]}
