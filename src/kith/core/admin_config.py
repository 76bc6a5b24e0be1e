"""Django's admin app, on Kith's own site (admin_site.py). A module of its own: an apps.py
holding two AppConfigs would leave Django unsure which one is kith.core's."""

from django.contrib.admin.apps import AdminConfig


class KithAdminConfig(AdminConfig):
    default_site = "kith.core.admin_site.KithAdminSite"
