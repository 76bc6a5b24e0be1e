"""Audit rows are evidence: the admin may read them, never add, edit or delete."""

from django.contrib import admin

from kith.core.models import AuditEvent, PersonalDataAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "group", "object_repr"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "request_id"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "viewer", "group", "subject_repr", "field", "reason"]
