"""Pages of plans, their review and change requests; and the public disclosure (no login)."""

import csv
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gaibo.exports import csv_value
from gaibo.forms import add_service_errors
from gaibo.imports import import_page
from gaibo.money import yuan_to_wan
from plans import selectors, services
from plans.choices import SOURCE_FIELDS, SOURCE_LABELS, ChangeKind, ChangeState, PlanState
from plans.forms import (
    ChangeRequestForm,
    DecisionForm,
    LineChangeFormSet,
    PlanForm,
    PlanItemForm,
    PlanItemLineFormSet,
    PublicSearchForm,
    ReasonForm,
    ReturnForm,
    WithdrawForm,
    wanted_lines,
)
from plans.imports import plan_sheet
from plans.models import Plan, PlanItem
from projects.choices import (
    ConstructionKind,
    EquipmentCategory,
    ProjectCategory,
    ProjectStatus,
    TenderMethod,
    Unit,
    WorkType,
)
from projects.selectors import projects_visible_to


def _plan(request, pk) -> Plan:
    return get_object_or_404(selectors.plans_visible_to(user=request.user), pk=pk)


@login_required
def plan_list(request):
    plans = selectors.plans_visible_to(user=request.user).order_by(
        "county__code", "-first_year", "kind"
    )
    state = request.GET.get("state", "")
    if state in PlanState.values:
        plans = plans.filter(state=state)
    return render(
        request,
        "plans/plan_list.html",
        {
            "plans": plans,
            "states": PlanState.choices,
            "state": state,
            "can_compile": services.can_compile(request.user),
            "pending_changes": selectors.change_requests_visible_to(user=request.user)
            .filter(state=ChangeState.PENDING)
            .count(),
        },
    )


@login_required
def plan_create(request):
    if not services.can_compile(request.user):
        raise PermissionDenied
    form = PlanForm(request.POST or None, instance=Plan(), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(plan=form.instance, acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Plan %(plan)s started.") % {"plan": plan})
            return redirect(plan)
    return render(request, "plans/plan_form.html", {"form": form})


@login_required
def plan_detail(request, pk):
    plan = _plan(request, pk)
    items = list(selectors.plan_items(plan))
    review = selectors.plan_review(plan, items)
    comments = selectors.comments_by_item(plan)
    rows = [(item, review.items.get(item.pk, []), comments.get(item.pk, [])) for item in items]
    user = request.user
    editable = plan.state in {PlanState.DRAFT, PlanState.RETURNED}
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "rows": rows,
            "removed_comments": comments.get(None, []),
            "review": review,
            "totals": selectors.plan_totals(items),
            "events": selectors.plan_events(plan),
            "can_edit": editable and services.can_compile(user),
            "can_submit": editable and services.can_compile(user),
            "can_review": plan.state == PlanState.SUBMITTED and services.can_review(user),
            "can_approve": plan.state == PlanState.CITY_APPROVED and services.can_approve(user),
            "reason_form": ReasonForm(),
        },
    )


@login_required
def item_edit(request, plan_pk, pk=None):
    plan = _plan(request, plan_pk)
    if not services.can_compile(request.user):
        raise PermissionDenied
    item = (
        get_object_or_404(plan.items.all(), pk=pk)
        if pk
        else PlanItem(plan=plan, plan_year=plan.first_year)
    )
    data = request.POST if request.method == "POST" else None
    form = PlanItemForm(data, instance=item, user=request.user, plan=plan)
    lines = PlanItemLineFormSet(data, instance=item, prefix="lines")
    if data is not None and form.is_valid() and lines.is_valid():
        form.instance.plan = plan
        try:
            services.plan_item_save(
                item=form.instance,
                lines=lines.save(commit=False),
                removed_lines=lines.deleted_objects,
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Project %(item)s saved.") % {"item": form.instance})
            return redirect(form.instance)
    return render(
        request,
        "plans/item_form.html",
        {"form": form, "lines": lines, "plan": plan, "item": item if pk else None},
    )


@login_required
@require_POST
def item_delete(request, plan_pk, pk):
    plan = _plan(request, plan_pk)
    item = get_object_or_404(plan.items.all(), pk=pk)
    try:
        services.plan_item_delete(item=item, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Project %(item)s removed from the plan.") % {"item": item})
    return redirect(plan)


@login_required
def plan_import(request, pk):
    plan = _plan(request, pk)
    if not services.can_compile(request.user):
        raise PermissionDenied
    if plan.state not in {PlanState.DRAFT, PlanState.RETURNED}:
        messages.error(request, _("The plan can no longer be changed."))
        return redirect(plan)
    return import_page(request, plan_sheet(plan), back_url=plan.get_absolute_url())


PLAN_STEPS = {
    "submit": (services.plan_submit, _("The plan was submitted to the city.")),
    "city-approve": (services.plan_city_approve, _("The plan was passed on to the province.")),
    "approve": (services.plan_approve, _("The plan was approved.")),
}


@login_required
@require_POST
def plan_action(request, pk, action):
    plan = _plan(request, pk)
    if action not in PLAN_STEPS:
        raise Http404
    service, done = PLAN_STEPS[action]
    kwargs = {}
    if action != "submit":
        form = ReasonForm(request.POST)
        kwargs["reason"] = form.data.get("reason", "")
    try:
        service(plan=plan, acting_user=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(plan)


@login_required
def plan_return(request, pk):
    plan = _plan(request, pk)
    may = (plan.state == PlanState.SUBMITTED and services.can_review(request.user)) or (
        plan.state == PlanState.CITY_APPROVED and services.can_approve(request.user)
    )
    if not may:
        raise PermissionDenied
    items = selectors.plan_items(plan)
    form = ReturnForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_return(
                plan=plan,
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
                comments=form.comments(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan was returned to the county."))
            return redirect(plan)
    return render(request, "plans/plan_return.html", {"plan": plan, "form": form})


# Change requests ---------------------------------------------------------------------------


@login_required
def change_list(request):
    changes = selectors.change_requests_visible_to(user=request.user)
    state = request.GET.get("state", "")
    if state in ChangeState.values:
        changes = changes.filter(state=state)
    page = Paginator(changes, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/change_list.html",
        {
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "changes": page.object_list,
            "states": ChangeState.choices,
            "state": state,
        },
    )


def _initial(values: dict) -> dict:
    initial = {}
    for name, value in values.items():
        if name in ("planned_amount", *SOURCE_FIELDS.values()) and value is not None:
            value = Decimal(value)
        initial[name] = value
    return initial


@login_required
def change_create(request, project_pk):
    project = get_object_or_404(projects_visible_to(user=request.user), pk=project_pk)
    if not services.can_compile(request.user):
        raise PermissionDenied
    item = selectors.baseline_item(project.pk)
    if item is None:
        raise Http404
    kind = request.GET.get("kind", ChangeKind.VALUE)
    if kind not in ChangeKind.values:
        kind = ChangeKind.VALUE
    current = services.current_values(project, item, kind)
    form = ChangeRequestForm(request.POST or None, kind=kind, initial=_initial(current))
    lines = None
    if kind == ChangeKind.SCOPE:
        initial = [
            {**line, "quantity": Decimal(line["quantity"]), "amount": Decimal(line["amount"])}
            for line in current["lines"]
        ]
        lines = LineChangeFormSet(request.POST or None, initial=initial, prefix="lines")
    if request.method == "POST" and form.is_valid() and (lines is None or lines.is_valid()):
        new_values = form.new_values()
        if lines is not None:
            new_values["lines"] = wanted_lines(lines)
        try:
            change = services.change_request_create(
                project=project,
                kind=kind,
                new_values=new_values,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The change request was sent to the city."))
            return redirect(change)
    return render(
        request,
        "plans/change_form.html",
        {
            "project": project,
            "item": item,
            "form": form,
            "lines": lines,
            "kind": kind,
            "kinds": ChangeKind.choices,
            "pending": selectors.pending_change(project),
        },
    )


def change_rows(change) -> list:
    """(label, before, after) of each value a change request touches, as a user reads them."""
    labels = {
        "planned_amount": _("Planned amount (10,000 yuan)"),
        **SOURCE_LABELS,
        "name": _("Project name"),
        "plan_year": _("Plan year"),
        "end_year": _("Year of completion"),
        "planned_area": _("Planned floor area (m²)"),
        "content": _("Content"),
        "lines": _("Equipment lines"),
    }
    categories, units = dict(EquipmentCategory.choices), dict(Unit.choices)

    def shown(name, value):
        if value in (None, "", []):
            return "—"
        if name == "lines":
            return "; ".join(
                f"{categories.get(line['category'], '')} {line['item']} × "
                f"{Decimal(line['quantity']):g} {units.get(line['unit'], '')} "
                f"{yuan_to_wan(Decimal(line['amount'])):,.2f}"
                for line in value
            )
        if name in ("planned_amount", *SOURCE_FIELDS.values()):
            return f"{yuan_to_wan(Decimal(value)):,.2f}"
        return str(value)

    return [
        (
            labels[name],
            shown(name, change.old_values.get(name)),
            shown(name, change.new_values.get(name)),
            change.old_values.get(name) != change.new_values.get(name),
        )
        for name in change.old_values
    ]


@login_required
def change_detail(request, pk):
    change = get_object_or_404(selectors.change_requests_visible_to(user=request.user), pk=pk)
    can_decide = change.state == ChangeState.PENDING and services.can_review(request.user)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.change_request_decide(
                    change=change,
                    approve=request.POST.get("decision") == "approve",
                    note=form.cleaned_data["note"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The change request was decided."))
                return redirect(change)
    return render(
        request,
        "plans/change_detail.html",
        {
            "change": change,
            "rows": change_rows(change),
            "form": form,
            "can_decide": can_decide,
            "can_withdraw": services.may_withdraw(request.user, change),
            "withdraw_form": WithdrawForm(),
        },
    )


@login_required
@require_POST
def change_withdraw(request, pk):
    change = get_object_or_404(selectors.change_requests_visible_to(user=request.user), pk=pk)
    if not services.may_withdraw(request.user, change):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.change_request_withdraw(
            change=change, acting_user=request.user, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The change request was withdrawn."))
    return redirect(change)


# Public disclosure (信息公开): no login, only province-approved projects, only their facts. ----


def _public_rows(request):
    counties = list(selectors.public_counties())
    form = PublicSearchForm(request.GET or None, counties=counties)
    if not form.is_bound:
        return form, selectors.public_projects()
    if not form.is_valid():  # a county without an approved plan: nothing to show
        return form, selectors.public_projects().none()
    return form, selectors.public_projects(
        county_code=form.cleaned_data["county"], school=form.cleaned_data["school"].strip()
    )


PUBLIC_LABELS = {
    "programme": None,
    "category": dict(ProjectCategory.choices),
    "construction_kind": dict(ConstructionKind.choices),
    "work_type": dict(WorkType.choices),
    "tender_method": dict(TenderMethod.choices),
    "status": dict(ProjectStatus.choices),
}


def _public_record(row) -> dict:
    """A public row as the open data gives it: labels for choices, yuan and m² as text."""
    return {
        "project_code": row["code"],
        "project_name": selectors.public_text(row["name"]),
        "county_code": row["school__county__code"],
        "county": row["school__county__name"],
        "school": row["school__name"],
        "programme": selectors.programme_label(row["programme"]),
        "category": str(PUBLIC_LABELS["category"].get(row["category"], "")),
        "building_kind": str(PUBLIC_LABELS["construction_kind"].get(row["construction_kind"], "")),
        "work_type": str(PUBLIC_LABELS["work_type"].get(row["work_type"], "")),
        "content": selectors.public_text(row["content"]),
        "plan_year": row["plan_year"],
        "floor_area_m2": None if row["planned_area"] is None else str(row["planned_area"]),
        "planned_amount_yuan": str(row["planned_amount"]),
        "contractor": selectors.public_text(row["contractor"]),
        "supervising_engineer": selectors.public_text(row["supervisor"]),
        "tender_method": str(PUBLIC_LABELS["tender_method"].get(row["tender_method"], "")),
        "winning_bid_yuan": None if row["bid_price"] is None else str(row["bid_price"]),
        "status": str(PUBLIC_LABELS["status"].get(row["status"], "")),
    }


PUBLIC_COLUMNS = (
    "project_code",
    "project_name",
    "county_code",
    "county",
    "school",
    "programme",
    "category",
    "building_kind",
    "work_type",
    "content",
    "plan_year",
    "floor_area_m2",
    "planned_amount_yuan",
    "contractor",
    "supervising_engineer",
    "tender_method",
    "winning_bid_yuan",
    "status",
)


def public_list(request):
    form, rows = _public_rows(request)
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    projects = [_public_record(row) for row in page.object_list]
    return render(
        request,
        "plans/public_list.html",
        {
            "form": form,
            "projects": projects,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "count": page.paginator.count,
        },
    )


def public_csv(request):
    _form, rows = _public_rows(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="projects.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a byte-order mark
    writer = csv.writer(response)
    writer.writerow(PUBLIC_COLUMNS)
    for row in rows.iterator(chunk_size=2000):
        record = _public_record(row)
        writer.writerow([csv_value(record[key]) for key in PUBLIC_COLUMNS])
    return response


def public_json(request):
    _form, rows = _public_rows(request)
    projects = [_public_record(row) for row in rows.iterator(chunk_size=2000)]
    return JsonResponse(
        {"count": len(projects), "projects": projects},
        json_dumps_params={"ensure_ascii": False},
    )


def public_home(request):
    return redirect(reverse("plans:public_list"))
