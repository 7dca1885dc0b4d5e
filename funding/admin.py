from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from funding import services
from funding.models import Allocation, Arrival, FundingPlanLine, Payment
from gaibo.admin import ScopedAdmin
from gaibo.forms import VersionedForm
from projects.baseline import is_baselined


@admin.register(Allocation)
class AllocationAdmin(ScopedAdmin):
    form = VersionedForm
    edit_capability = "can_record_allocations"
    list_display = ("document_number", "issued_on", "year", "source", "recipient", "amount")
    list_filter = ("source", "year", ("recipient", admin.RelatedOnlyFieldListFilter))
    search_fields = ("document_number", "note")
    list_select_related = ("recipient",)

    def save_model(self, request, obj, form, change):
        services.allocation_save(allocation=obj, acting_user=request.user)


class FundingPlanLineForm(forms.ModelForm):
    class Meta:
        model = FundingPlanLine
        fields = ["project", "source", "amount"]

    def clean(self):
        data = super().clean()
        project = data.get("project") or getattr(self.instance, "project", None)
        if project is not None and is_baselined(project.pk):
            raise ValidationError(services.BASELINE_FUNDING_LOCKED)
        if data.get("amount") is not None and data["amount"] <= 0:
            self.add_error("amount", _("Above zero: to remove a source, delete its line."))
        return data


@admin.register(FundingPlanLine)
class FundingPlanLineAdmin(ScopedAdmin):
    """A project's planned amount per source, written through funding_plan_save like the
    funding plan's page. Read only once a province-approved plan fixes the project's funding
    plan: it is part of the project's baseline, which only a change request changes."""

    form = FundingPlanLineForm
    list_display = ("project", "source", "amount")
    list_filter = ("source",)
    search_fields = ("project__code", "project__name")
    list_select_related = ("project",)

    def get_readonly_fields(self, request, obj=None):
        # A line keeps its project and source: another source is another line.
        return ("project", "source") if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        locked = obj is not None and is_baselined(obj.project_id)
        return not locked and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        locked = obj is not None and is_baselined(obj.project_id)
        return not locked and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.funding_plan_save(
            project=obj.project, amounts={obj.source: obj.amount}, acting_user=request.user
        )
        obj.pk = obj.project.funding_plan.get(source=obj.source).pk

    def delete_model(self, request, obj):
        services.funding_plan_save(
            project=obj.project, amounts={obj.source: None}, acting_user=request.user
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("project"):
            self.delete_model(request, obj)


@admin.register(Arrival)
class ArrivalAdmin(ScopedAdmin):
    form = VersionedForm
    edit_capability = "can_record_payments"
    list_display = ("arrived_on", "allocation", "project", "amount")
    list_filter = ("allocation__source",)
    search_fields = ("project__code", "allocation__document_number")
    list_select_related = ("project", "allocation", "allocation__recipient")

    def save_model(self, request, obj, form, change):
        services.arrival_save(arrival=obj, acting_user=request.user)

    def delete_model(self, request, obj):
        services.fund_record_delete(record=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.fund_record_delete(record=obj, acting_user=request.user)


@admin.register(Payment)
class PaymentAdmin(ScopedAdmin):
    form = VersionedForm
    edit_capability = "can_record_payments"
    list_display = ("paid_on", "project", "source", "payee", "voucher_number", "amount")
    list_filter = ("source",)
    search_fields = ("project__code", "payee", "voucher_number")
    list_select_related = ("project",)

    def save_model(self, request, obj, form, change):
        services.payment_save(payment=obj, acting_user=request.user)

    def delete_model(self, request, obj):
        services.fund_record_delete(record=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.fund_record_delete(record=obj, acting_user=request.user)
