from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "kith.groups"
    label = "groups"
    verbose_name = "Groups and memberships"
