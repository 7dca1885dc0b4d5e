from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView

from funding import imports, selectors, services
from funding.forms import (
    AllocationCorrectionForm,
    AllocationForm,
    ArrivalCorrectionForm,
    ArrivalForm,
    FundingPlanForm,
    PaymentCorrectionForm,
    PaymentForm,
)
from funding.models import Allocation, Arrival, Payment
from gaibo.exports import xlsx_response
from gaibo.forms import add_service_errors
from gaibo.imports import import_page
from gaibo.money import ZERO, yuan_to_wan
from projects.choices import DistrictLevel
from projects.models import District
from projects.selectors import projects_visible_to


def _district_of(request) -> District:
    """The district asked for (?district=code) if the user may see it, else the user's own."""
    visible = District.objects.visible_to(request.user)
    code = request.GET.get("district")
    if code:
        return get_object_or_404(visible, code=code)
    if request.user.district_id:
        return request.user.district
    district = visible.filter(level=DistrictLevel.PROVINCE).first()
    if district is None:
        raise Http404
    return district


@login_required
def ledger(request):
    district = _district_of(request)
    return render(
        request,
        "funding/ledger.html",
        {
            "district": district,
            "ledger": selectors.ledger_for(user=request.user, district=district),
            "warnings": selectors.funding_warnings(user=request.user, district=district),
        },
    )


@login_required
def ledger_export(request):
    district = _district_of(request)
    ledger = selectors.ledger_for(user=request.user, district=district)
    headers = [
        _("Name"),
        _("Planned (10,000 yuan)"),
        _("Arrived (10,000 yuan)"),
        _("Paid (10,000 yuan)"),
        _("Arrived but unpaid (10,000 yuan)"),
        _("Arrival rate (%)"),
        _("Payment rate (%)"),
    ]
    rows = [
        [
            row.label,
            yuan_to_wan(row.planned),
            yuan_to_wan(row.arrived),
            yuan_to_wan(row.paid),
            yuan_to_wan(row.unpaid),
            row.arrival_rate,
            row.payment_rate,
        ]
        for row in [*ledger.rows, ledger.total]
    ]
    return xlsx_response(
        filename=f"{district.name}{_('funds ledger')}.xlsx",
        title=_("Funds ledger"),
        headers=headers,
        rows=rows,
    )


@login_required
def project_ledger(request, pk):
    project = get_object_or_404(projects_visible_to(user=request.user), pk=pk)
    return render(
        request,
        "funding/project_ledger.html",
        {
            "project": project,
            "ledger": selectors.project_ledger(project=project),
            "arrivals": Arrival.objects.filter(project=project).select_related("allocation"),
            "payments": Payment.objects.filter(project=project),
            "history": selectors.project_money_history(project=project, user=request.user),
        },
    )


class AllocationListView(LoginRequiredMixin, ListView):
    template_name = "funding/allocation_list.html"
    context_object_name = "allocations"
    paginate_by = settings.PAGE_SIZE

    def get_queryset(self):
        allocations = (
            selectors.allocations_visible_to(user=self.request.user)
            .annotate(passed_on=_sum_of(Allocation, "split_from") + _sum_of(Arrival, "allocation"))
            .annotate(left=F("amount") - F("passed_on"))
        )
        year = self.request.GET.get("year")
        if year and year.isdigit():
            allocations = allocations.filter(year=year)
        return allocations


def _sum_of(model, link):
    subquery = (
        model.objects.filter(**{link: OuterRef("pk")})
        .values(link)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(subquery, output_field=DecimalField()), ZERO)


@login_required
def allocation_detail(request, pk):
    allocation = get_object_or_404(selectors.allocations_visible_to(user=request.user), pk=pk)
    arrivals = selectors.arrivals_visible_to(user=request.user).filter(allocation=allocation)
    payments = (
        selectors.payments_visible_to(user=request.user)
        .filter(project__arrivals__allocation=allocation, source=allocation.source)
        .distinct()
    )
    return render(
        request,
        "funding/allocation_detail.html",
        {
            "allocation": allocation,
            "remaining": services.allocation_remaining(allocation),
            "totals": selectors.allocation_totals(allocation=allocation),
            "history": selectors.allocation_history(allocation=allocation, user=request.user),
            "splits": selectors.allocations_visible_to(user=request.user).filter(
                split_from=allocation
            ),
            "arrivals": arrivals,
            "payments": payments,
        },
    )


def _record(request, *, form, save, done_url, template, context):
    """Show a form; on a valid POST call the service, or show what it refused."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(done_url)
    return render(request, template, {"form": form, **context})


@login_required
def allocation_create(request):
    if not request.user.can_record_allocations:
        raise PermissionDenied
    split_from = None
    if request.GET.get("split_from"):
        split_from = get_object_or_404(
            selectors.allocations_visible_to(user=request.user), pk=request.GET["split_from"]
        )
    initial = {}
    if split_from:
        initial = {"source": split_from.source, "year": split_from.year}
    form = AllocationForm(request.POST or None, user=request.user, initial=initial)
    if split_from:
        form.instance.split_from = split_from
        form.fields["recipient"].queryset = split_from.recipient.children.all()

    def save(form):
        services.allocation_save(allocation=form.instance, acting_user=request.user)

    return _record(
        request,
        form=form,
        save=save,
        done_url="funding:allocation_list" if not split_from else split_from.get_absolute_url(),
        template="funding/record_form.html",
        context={"title": _("Record a tranche"), "split_from": split_from},
    )


def _project_for_funds(request, pk):
    project = get_object_or_404(projects_visible_to(user=request.user), pk=pk)
    if not request.user.can_record_payments:
        raise PermissionDenied
    return project


@login_required
def arrival_create(request, pk):
    project = _project_for_funds(request, pk)
    form = ArrivalForm(request.POST or None, project=project, user=request.user)
    form.instance.project = project

    def save(form):
        services.arrival_save(arrival=form.instance, acting_user=request.user)

    return _record(
        request,
        form=form,
        save=save,
        done_url=reverse("funding:project_ledger", args=[project.pk]),
        template="funding/record_form.html",
        context={"title": _("Record funds arriving"), "project": project},
    )


@login_required
def payment_create(request, pk):
    project = _project_for_funds(request, pk)
    form = PaymentForm(request.POST or None, initial={"payee": project.contractor})
    form.instance.project = project

    def save(form):
        services.payment_save(payment=form.instance, acting_user=request.user)

    return _record(
        request,
        form=form,
        save=save,
        done_url=reverse("funding:project_ledger", args=[project.pk]),
        template="funding/record_form.html",
        context={"title": _("Record a payment"), "project": project},
    )


@login_required
def allocation_correct(request, pk):
    allocation = get_object_or_404(selectors.allocations_visible_to(user=request.user), pk=pk)
    if not request.user.can_record_allocations:
        raise PermissionDenied
    form = AllocationCorrectionForm(request.POST or None, instance=allocation, user=request.user)
    if allocation.split_from:
        form.fields["recipient"].queryset = allocation.split_from.recipient.children.all()

    def save(form):
        services.allocation_save(
            allocation=form.instance,
            acting_user=request.user,
            reason=form.cleaned_data["reason"],
        )

    return _record(
        request,
        form=form,
        save=save,
        done_url=allocation.get_absolute_url(),
        template="funding/record_form.html",
        context={"title": _("Correct a tranche"), "back_url": allocation.get_absolute_url()},
    )


@login_required
def arrival_correct(request, pk):
    arrival = get_object_or_404(selectors.arrivals_visible_to(user=request.user), pk=pk)
    project = _project_for_funds(request, arrival.project_id)
    form = ArrivalCorrectionForm(
        request.POST or None, instance=arrival, project=project, user=request.user
    )

    def save(form):
        services.arrival_save(
            arrival=form.instance, acting_user=request.user, reason=form.cleaned_data["reason"]
        )

    return _record(
        request,
        form=form,
        save=save,
        done_url=reverse("funding:project_ledger", args=[project.pk]),
        template="funding/record_form.html",
        context={"title": _("Correct an arrival of funds"), "project": project},
    )


@login_required
def payment_correct(request, pk):
    payment = get_object_or_404(selectors.payments_visible_to(user=request.user), pk=pk)
    project = _project_for_funds(request, payment.project_id)
    form = PaymentCorrectionForm(request.POST or None, instance=payment)

    def save(form):
        services.payment_save(
            payment=form.instance, acting_user=request.user, reason=form.cleaned_data["reason"]
        )

    return _record(
        request,
        form=form,
        save=save,
        done_url=reverse("funding:project_ledger", args=[project.pk]),
        template="funding/record_form.html",
        context={"title": _("Correct a payment"), "project": project},
    )


@login_required
def funding_plan_edit(request, pk):
    project = get_object_or_404(projects_visible_to(user=request.user), pk=pk)
    if not request.user.can_edit_projects:
        raise PermissionDenied
    form = FundingPlanForm(request.POST or None, project=project)

    def save(form):
        services.funding_plan_save(
            project=project, amounts=form.cleaned_data, acting_user=request.user
        )

    return _record(
        request,
        form=form,
        save=save,
        done_url=reverse("funding:project_ledger", args=[project.pk]),
        template="funding/record_form.html",
        context={"title": _("Funding plan"), "project": project},
    )


@login_required
def allocation_import(request):
    if not request.user.can_record_allocations:
        raise PermissionDenied
    return import_page(request, imports.TRANCHES, back_url=reverse("funding:allocation_list"))


@login_required
def arrival_import(request):
    if not request.user.can_record_payments:
        raise PermissionDenied
    return import_page(request, imports.ARRIVALS, back_url=reverse("funding:ledger"))


@login_required
def payment_import(request):
    if not request.user.can_record_payments:
        raise PermissionDenied
    return import_page(request, imports.PAYMENTS, back_url=reverse("funding:ledger"))
