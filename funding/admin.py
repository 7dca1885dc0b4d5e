from django.contrib import admin

from funding import services
from funding.models import Allocation, Arrival, FundingPlanLine, Payment
from gaibo.admin import ScopedAdmin
from gaibo.forms import VersionedForm


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


@admin.register(FundingPlanLine)
class FundingPlanLineAdmin(ScopedAdmin):
    list_display = ("project", "source", "amount")
    list_filter = ("source",)
    search_fields = ("project__code", "project__name")
    list_select_related = ("project",)


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
