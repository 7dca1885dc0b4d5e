from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gaibo.exports import xlsx_response
from gaibo.forms import add_service_errors
from gaibo.imports import import_page
from gaibo.money import yuan_to_wan
from projects.choices import DistrictLevel
from projects.models import District
from reports import selectors, services
from reports.choices import Half, ReportState
from reports.forms import DeadlineExceptionForm, PeriodForm, ReasonForm, ReportLineFormSet
from reports.imports import report_sheet
from reports.models import DeadlineException, HalfMonthlySchedule, Report


def _period(request) -> tuple[int, int, int]:
    """The period asked for (?year=&month=&half=), else the latest month the user has a
    report of, else last month."""
    form = PeriodForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
        return data["year"], data["month"], data["half"]
    latest = selectors.reports_visible_to(user=request.user).order_by("-ends_on").first()
    if latest is not None:
        return latest.year, latest.month, Half.WHOLE
    today = timezone.localdate()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return year, month, Half.WHOLE


@login_required
def report_list(request):
    reports = selectors.reports_visible_to(user=request.user)
    county = request.user.district
    can_start = (
        request.user.can_enter_reports
        and county is not None
        and county.level == DistrictLevel.COUNTY
    )
    year, month = services.month_open_for_entry()
    return render(
        request,
        "reports/report_list.html",
        {
            "reports": reports[:120],
            "can_start": can_start,
            "period_form": PeriodForm(initial={"year": year, "month": month}),
        },
    )


@login_required
@require_POST
def report_start(request):
    county = request.user.district
    if not request.user.can_enter_reports or county is None:
        raise PermissionDenied
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a year and a month."))
        return redirect("reports:report_list")
    try:
        report = services.report_open(county=county, acting_user=request.user, **form.cleaned_data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("reports:report_list")
    return redirect(report)


def _visible_report(request, pk) -> Report:
    return get_object_or_404(selectors.reports_visible_to(user=request.user), pk=pk)


@login_required
def report_entry(request, pk):
    """The report of a period: entry while it is open, the figures once it is not, the
    sign-off steps, and the actions the user may take."""
    report = _visible_report(request, pk)
    lines = selectors.report_lines(report)
    may_enter = request.user.can_enter_reports and services.entry_is_open(report)
    formset = None
    if may_enter:
        data = request.POST.copy() if request.method == "POST" else None
        formset = ReportLineFormSet(data, queryset=_lines_queryset(report, lines))
        if request.method == "POST":
            saved, refused = _save_lines(request, report, formset, data)
            if refused:
                messages.error(
                    request,
                    _(
                        "%(saved)s rows saved; %(refused)s rows were not saved: see the messages "
                        "in red, correct them and save again."
                    )
                    % {"saved": saved, "refused": refused},
                )
            else:
                messages.success(request, _("%(saved)s rows saved.") % {"saved": saved})
                return redirect(report)
    elif request.method == "POST":
        raise PermissionDenied
    funds = selectors.line_funds(report, lines)
    rows = _rows(lines, funds, formset)
    events = list(selectors.report_events(report))
    return render(
        request,
        "reports/report_entry.html",
        {
            "report": report,
            "rows": rows,
            "formset": formset,
            "events": events,
            "returned_by": events[-1] if events and report.state == ReportState.RETURNED else None,
            "reason_form": ReasonForm(),
            "is_open": services.entry_is_open(report),
            "problems": services.report_problems(report)
            if report.is_editable and request.user.can_enter_reports
            else [],
        },
    )


def _lines_queryset(report, lines):
    """The formset's queryset, already fetched (the page does not query per line)."""
    queryset = report.lines.all()
    queryset._result_cache = lines
    queryset._prefetch_done = True
    return queryset


def _save_lines(request, report, formset, data) -> tuple[int, int]:
    """Save each row the user changed; a refused row keeps what was typed, with its messages."""
    saved = refused = 0
    previous = selectors.previous_lines(report)
    for form in formset.forms:
        if not form.is_valid():
            if form.user_changed:
                refused += 1
            continue
        if not form.user_changed:
            continue
        line = form.instance
        line.report = report  # one report object for every row: checked once
        try:
            services.report_line_save(
                line=line,
                acting_user=request.user,
                expected_version=form.cleaned_data["loaded_version"],
                previous=previous.get(line.project_id),
            )
        except ValidationError as error:
            refused += 1
            add_service_errors(form, error)
        else:
            saved += 1
            data[form.add_prefix("loaded_version")] = line.version
    return saved, refused


def _rows(lines, funds, formset):
    forms_by_line = {form.instance.pk: form for form in formset.forms} if formset else {}
    return [
        {"line": line, "funds": funds[line.project_id], "form": forms_by_line.get(line.pk)}
        for line in lines
    ]


ACTIONS = {
    "submit": lambda report, user, reason: services.report_submit(report=report, acting_user=user),
    "confirm": lambda report, user, reason: services.report_confirm(
        report=report, acting_user=user
    ),
    "return": lambda report, user, reason: services.report_return(
        report=report, acting_user=user, reason=reason
    ),
    "approve": lambda report, user, reason: services.report_approve(
        report=report, acting_user=user
    ),
    "reopen": lambda report, user, reason: services.report_reopen(
        report=report, acting_user=user, reason=reason
    ),
}


@login_required
@require_POST
def report_action(request, pk, action):
    report = _visible_report(request, pk)
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](report, request.user, request.POST.get("reason", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        report.refresh_from_db()
        messages.success(
            request,
            _("The report is now: %(state)s.") % {"state": report.get_state_display()},
        )
    return redirect(report)


@login_required
def report_import(request, pk):
    report = _visible_report(request, pk)
    if not request.user.can_enter_reports:
        raise PermissionDenied
    if not services.entry_is_open(report):
        messages.error(
            request,
            _("This report is not open for entry (%(state)s).")
            % {"state": report.get_state_display()},
        )
        return redirect(report)
    return import_page(
        request,
        report_sheet(report),
        back_url=report.get_absolute_url(),
    )


OFFICIAL_HEADERS = [
    gettext_lazy("County"),
    gettext_lazy("Project code"),
    gettext_lazy("School"),
    gettext_lazy("Project name"),
    gettext_lazy("Category"),
    gettext_lazy("Planned area (m²)"),
    gettext_lazy("Planned amount (10,000 yuan)"),
    gettext_lazy("Status"),
    gettext_lazy("Start date"),
    gettext_lazy("Completion date"),
    gettext_lazy("Started area (m²)"),
    gettext_lazy("Completed area (m²)"),
    gettext_lazy("Investment this month (10,000 yuan)"),
    gettext_lazy("Investment to date (10,000 yuan)"),
    gettext_lazy("Physical progress (%)"),
    gettext_lazy("Arrived this month (10,000 yuan)"),
    gettext_lazy("Arrived to date (10,000 yuan)"),
    gettext_lazy("Paid this month (10,000 yuan)"),
    gettext_lazy("Paid to date (10,000 yuan)"),
    gettext_lazy("Remark"),
]
# The columns summed in the subtotals, by position in OFFICIAL_HEADERS.
SUMMED = (5, 6, 10, 11, 12, 13, 15, 16, 17, 18)


def _official_rows(reports):
    """One row per project, a subtotal per county, the total of all (月报表)."""
    total = [None] * len(OFFICIAL_HEADERS)
    rows = []
    for report in reports:
        lines = selectors.report_lines(report)
        funds = selectors.line_funds(report, lines)
        subtotal = [None] * len(OFFICIAL_HEADERS)
        for line in lines:
            project = line.project
            money = funds[line.project_id]
            row = [
                report.county.name,
                project.code,
                project.school.name,
                project.name,
                project.get_category_display(),
                project.planned_area,
                yuan_to_wan(project.planned_amount),
                line.get_status_display(),
                line.started_on,
                line.completed_on,
                line.started_area,
                line.completed_area,
                yuan_to_wan(line.investment_month),
                yuan_to_wan(line.investment_to_date),
                line.progress,
                yuan_to_wan(money.arrived_month),
                yuan_to_wan(money.arrived_to_date),
                yuan_to_wan(money.paid_month),
                yuan_to_wan(money.paid_to_date),
                line.remark,
            ]
            rows.append(row)
            for index in SUMMED:
                for sums in (subtotal, total):
                    if row[index] is not None:
                        sums[index] = (sums[index] or 0) + row[index]
        subtotal[0] = _("%(county)s subtotal") % {"county": report.county.name}
        rows.append(subtotal)
    total[0] = _("Total")
    rows.append(total)
    return rows


@login_required
def report_export(request, pk):
    report = _visible_report(request, pk)
    return xlsx_response(
        filename=f"{report}{_('monthly report')}.xlsx",
        title=_("Monthly report"),
        headers=OFFICIAL_HEADERS,
        rows=_official_rows([report]),
    )


@login_required
def period_export(request):
    """The approved reports of a period for every county the user sees, as one table."""
    year, month, half = _period(request)
    reports = (
        selectors.reports_visible_to(user=request.user)
        .filter(year=year, month=month, half=half, state=ReportState.APPROVED)
        .order_by("county__code")
    )
    label = f"{year}-{month:02d}"
    return xlsx_response(
        filename=f"{label}{_('monthly report')}.xlsx",
        title=_("Monthly report"),
        headers=OFFICIAL_HEADERS,
        rows=_official_rows(reports),
    )


@login_required
def tracker(request):
    """The city's view of a period: who has reported, on time or late, and who is missing."""
    year, month, half = _period(request)
    user = request.user
    counties = District.objects.visible_to(user).filter(level=DistrictLevel.COUNTY)
    exception_form = DeadlineExceptionForm(
        initial={"year": year, "month": month, "half": half},
        counties=counties,
        prefix="exception",
    )
    if request.method == "POST":
        if not user.can_review_reports:
            raise PermissionDenied
        if "half_monthly" in request.POST:
            city = get_object_or_404(
                District.objects.visible_to(user).filter(level=DistrictLevel.CITY),
                pk=request.POST["half_monthly"],
            )
            services.half_monthly_switch_on(city=city, year=year, month=month, acting_user=user)
            messages.success(request, _("Half-monthly reporting is on for this month."))
            return redirect(request.get_full_path())
        exception_form = DeadlineExceptionForm(request.POST, counties=counties, prefix="exception")
        if exception_form.is_valid():
            try:
                services.deadline_exception_grant(
                    exception=exception_form.instance, acting_user=user
                )
            except ValidationError as error:
                add_service_errors(exception_form, error)
            else:
                messages.success(request, _("The county may enter the report until the day set."))
                return redirect(request.get_full_path())
    cities = District.objects.visible_to(user).filter(level=DistrictLevel.CITY)
    schedules = HalfMonthlySchedule.objects.visible_to(user).filter(year=year, month=month)
    return render(
        request,
        "reports/tracker.html",
        {
            "tracker": selectors.tracker(user=user, year=year, month=month, half=half),
            "period_form": PeriodForm(initial={"year": year, "month": month, "half": half}),
            "exception_form": exception_form,
            "exceptions": DeadlineException.objects.visible_to(user)
            .filter(year=year, month=month)
            .select_related("county", "granted_by"),
            "cities_without_half_monthly": cities.exclude(Q(pk__in=schedules.values("city_id"))),
            "half_monthly_on": schedules.exists(),
        },
    )
