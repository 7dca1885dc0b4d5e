from django.contrib import admin

from gaibo.admin import ReadOnlyMixin, ScopedAdmin
from reports.models import DeadlineException, Report, ReportEvent


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    fields = ("at", "action", "from_state", "to_state", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyMixin, ScopedAdmin):
    """Reports are read here; they are entered and signed off on their own pages, whose
    services keep the rules and the record of every step."""

    list_display = ("county", "year", "month", "half", "state", "first_submitted_at", "is_late")
    list_filter = ("state", "year", "month", "is_late")
    list_select_related = ("county",)
    readonly_fields = ("county", "year", "month", "half", "state", "first_submitted_at", "is_late")
    inlines = [ReportEventInline]


@admin.register(DeadlineException)
class DeadlineExceptionAdmin(ScopedAdmin):
    edit_capability = "can_review_reports"
    list_display = ("county", "year", "month", "half", "until", "granted_by")
    readonly_fields = ("granted_by", "granted_at")
    list_select_related = ("county", "granted_by")

    def save_model(self, request, obj, form, change):
        from reports import services

        services.deadline_exception_grant(exception=obj, acting_user=request.user)
