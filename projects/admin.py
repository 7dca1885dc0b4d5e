from django.contrib import admin

from gaibo.admin import EverythingAdmin, ScopedAdmin
from gaibo.forms import VersionedForm
from projects import services
from projects.models import District, EquipmentLine, Project, School


@admin.register(District)
class DistrictAdmin(EverythingAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)


@admin.register(School)
class SchoolAdmin(ScopedAdmin):
    list_display = (
        "code",
        "name",
        "county",
        "school_type",
        "location",
        "pupils",
        "is_public",
        "in_layout_plan",
    )
    list_filter = (
        ("county", admin.RelatedOnlyFieldListFilter),
        "school_type",
        "location",
        "is_boarding",
        "is_public",
        "in_layout_plan",
    )
    search_fields = ("code", "name")
    list_select_related = ("county",)

    def save_model(self, request, obj, form, change):
        services.school_save(school=obj, acting_user=request.user)


class EquipmentLineInline(admin.TabularInline):
    model = EquipmentLine
    extra = 0
    fields = ("category", "item", "unit", "quantity", "amount")


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    form = VersionedForm
    list_display = (
        "code",
        "name",
        "school",
        "category",
        "plan_year",
        "status",
        "planned_area",
        "planned_amount",
    )
    list_filter = (
        "programme",
        "category",
        "status",
        "plan_year",
        "is_early",
        ("school__county", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("code", "name", "school__name", "school__code", "contractor")
    list_select_related = ("school", "school__county")
    readonly_fields = ("status",)
    inlines = [EquipmentLineInline]

    def save_model(self, request, obj, form, change):
        """Saved with its equipment lines in save_related: one service call, one set of locks."""

    def save_related(self, request, form, formsets, change):
        (lines,) = formsets
        services.project_save(
            project=form.instance,
            acting_user=request.user,
            lines=lines.save(commit=False),
            removed_lines=lines.deleted_objects,
        )

    def delete_model(self, request, obj):
        services.project_delete(project=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
