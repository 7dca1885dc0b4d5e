"""The checklist is kept here by the city; visits and findings are shown read-only (they are
written on the supervision pages, through the services that record every step)."""

from django.contrib import admin

from gaibo.admin import CapabilityAdmin, ReadOnlyMixin, ScopedAdmin
from inspections import services
from inspections.models import ChecklistItem, Finding, FindingEvent, TeamMember, Visit


@admin.register(ChecklistItem)
class ChecklistItemAdmin(CapabilityAdmin):
    edit_capability = "can_supervise"
    list_display = ("text", "area", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("area", "is_active")
    search_fields = ("text",)

    def has_delete_permission(self, request, obj=None):
        # An item no longer wanted is taken out of use; visits keep their own copy anyway.
        return False

    def save_model(self, request, obj, form, change):
        services.checklist_item_save(item=obj, acting_user=request.user)


class ReadOnlyScopedAdmin(ReadOnlyMixin, ScopedAdmin):
    pass


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    fields = ("name", "unit", "is_leader")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyScopedAdmin):
    list_display = ("visited_on", "kind", "created_by")
    list_filter = ("kind", "visited_on")
    date_hierarchy = "visited_on"
    list_select_related = ("created_by",)
    inlines = [TeamMemberInline]


class FindingEventInline(admin.TabularInline):
    model = FindingEvent
    extra = 0
    fields = ("at", "action", "from_status", "to_status", "actor", "comment")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(ReadOnlyScopedAdmin):
    list_display = ("description", "responsible_county", "severity", "deadline", "status")
    list_filter = ("status", "severity", ("responsible_county", admin.RelatedOnlyFieldListFilter))
    search_fields = ("description", "responsible_unit")
    list_select_related = ("responsible_county",)
    inlines = [FindingEventInline]
