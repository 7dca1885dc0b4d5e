from django.contrib import admin

from gaibo.admin import ReadOnlyMixin, ScopedAdmin
from plans.models import ChangeRequest, Plan, PlanEvent, PlanItem


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlanEventInline(ReadOnlyInline):
    model = PlanEvent
    fields = ("at", "action", "from_state", "to_state", "actor", "reason")
    readonly_fields = fields


class PlanItemInline(ReadOnlyInline):
    model = PlanItem
    fields = ("code", "name", "school", "category", "plan_year", "end_year", "planned_amount")
    readonly_fields = fields


class ReadOnlyAdmin(ReadOnlyMixin, ScopedAdmin):
    """Plans and change requests are read here; they are compiled, reviewed and decided on
    their own pages."""


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "county", "kind", "first_year", "last_year", "state")
    list_filter = ("state", "kind", "programme")
    list_select_related = ("county",)
    inlines = [PlanItemInline, PlanEventInline]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ("project", "kind", "state", "requested_by", "requested_at", "decided_by")
    list_filter = ("state", "kind")
    list_select_related = ("project", "requested_by", "decided_by")
