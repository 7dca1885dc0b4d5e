"""Writes of the monthly report: opening a period, saving lines (with their rules), and the
steps of the joint sign-off (submit → confirm → approve, or return, or reopen)."""

import datetime
from contextlib import contextmanager
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gaibo.services import validated_save
from gaibo.versions import stale_message
from projects.choices import ProjectCategory
from projects.models import District, Project
from projects.services import project_save
from reports import selectors
from reports.choices import EDITABLE_STATES, Half, ReportAction, ReportState
from reports.models import (
    DeadlineException,
    HalfMonthlySchedule,
    Report,
    ReportEvent,
    ReportLine,
    ReportTotals,
    due_date,
    period_end,
)

# The project's step dates a report line carries, by category: (start, completion).
PROGRESS_DATES = {
    ProjectCategory.CONSTRUCTION: ("started_on", "completed_on"),
    ProjectCategory.EQUIPMENT: ("contracted_on", "delivered_on"),
    ProjectCategory.IT: ("contracted_on", "delivered_on"),
}
LINE_DATES = ("started_on", "completed_on")


def _now() -> datetime.datetime:
    """The time the deadlines are measured against (one place, so tests can set it)."""
    return timezone.now()


def _today() -> datetime.date:
    return timezone.localdate(_now())


def _period_is_open(report_or_period, today) -> bool:
    """Entry is open until the due date, or later until the day of a city's exception."""
    county_id, year, month, half = report_or_period
    if today <= due_date(year, month, half):
        return True
    return DeadlineException.objects.filter(
        county_id=county_id, year=year, month=month, half=half, until__gte=today
    ).exists()


def month_open_for_entry(today=None) -> tuple[int, int]:
    """The month a county would open now: last month while its report is still due, else
    this month."""
    today = today or _today()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    if today <= due_date(year, month, Half.WHOLE):
        return year, month
    return today.year, today.month


def entry_is_open(report: Report, today=None) -> bool:
    """Whether the county may change the report's figures now.

    A returned report is open: the city sent it back to be corrected.
    """
    if report.state == ReportState.RETURNED:
        return True
    if report.state not in EDITABLE_STATES:
        return False
    key = (report.county_id, report.year, report.month, report.half)
    return _period_is_open(key, today or _today())


def _visible_report(report: Report, user, *, lock=False) -> Report:
    """The report, if the user may see it. A report found visible is marked so for this user,
    so that saving its lines one by one (an upload of thousands) asks only once."""
    if not lock and getattr(report, "_visible_to_user_id", None) == user.pk:
        return report
    reports = Report.objects.visible_to(user)
    if lock:
        reports = reports.select_for_update(of=("self",))
    found = reports.filter(pk=report.pk).first()
    if found is None:
        raise PermissionDenied(_("This report is outside your district."))
    found._visible_to_user_id = report._visible_to_user_id = user.pk
    return found


def _hold_state(report: Report) -> None:
    """Read the report's state again and keep it until the transaction ends: on PostgreSQL the
    row is locked for share, so lines are saved side by side while a submission, return or
    approval (which locks the row for update) waits for the saves under way, and a save that
    waited for one finds the new state. So no line is written into a report that has left
    entry, where the dashboards count its lines from then on (reports.apps). SQLite lets one
    transaction write at a time."""
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(Report._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "state" FROM {table} WHERE "id" = %s FOR SHARE', [report.pk])
        report.state = cursor.fetchone()[0]


@contextmanager
def state_held(report: Report):
    """Around the line saves of one transaction (an import's rows, each in a savepoint): the
    report's state held once, at the start, not by each save (a statement a row, and a lock
    taken again in each savepoint). Gives what gaibo.imports wants of a batch (an object it
    marks `discard`)."""
    _hold_state(report)
    report._state_held = True
    try:
        yield SimpleNamespace()
    finally:
        report._state_held = False


@transaction.atomic
def report_open(*, county: District, year: int, month: int, half: int, acting_user) -> Report:
    """Start a county's report for a period, from the figures of its last report."""
    if not acting_user.can_enter_reports:
        raise PermissionDenied(_("Your role cannot enter monthly reports."))
    if not District.objects.visible_to(acting_user).filter(pk=county.pk).exists():
        raise PermissionDenied(_("This county is outside your district."))
    existing = Report.objects.filter(county=county, year=year, month=month, half=half).first()
    if existing is not None:
        return existing
    today = _today()
    if datetime.date(year, month, 1) > today:
        raise ValidationError(_("A report cannot be started before its month begins."))
    if (
        half != Half.WHOLE
        and not HalfMonthlySchedule.objects.filter(
            city_id=county.parent_id, year=year, month=month
        ).exists()
    ):
        raise ValidationError(
            _("The city has not switched on half-monthly reporting for this month.")
        )
    if not _period_is_open((county.pk, year, month, half), today):
        raise ValidationError(
            _("The deadline for this report was %(date)s; ask the city for an exception.")
            % {"date": due_date(year, month, half).isoformat()}
        )
    report = Report(
        county=county, year=year, month=month, half=half, ends_on=period_end(year, month, half)
    )
    validated_save(report, acting_user=acting_user)
    previous = selectors.previous_lines(report)
    lines = []
    for project in selectors.reportable_projects(report, previous):
        before = previous.get(project.pk)
        start_field, end_field = PROGRESS_DATES[project.category]
        is_construction = project.category == ProjectCategory.CONSTRUCTION
        lines.append(
            ReportLine(
                report=report,
                project=project,
                status=project.status_on(report.ends_on),
                started_on=_on_or_before(getattr(project, start_field), report.ends_on),
                completed_on=_on_or_before(getattr(project, end_field), report.ends_on),
                started_area=(before.started_area if before else 0) if is_construction else None,
                completed_area=(before.completed_area if before else 0)
                if is_construction
                else None,
                investment_to_date=before.investment_to_date if before else 0,
                progress=before.progress if before else 0,
                updated_by=acting_user,
            )
        )
    for line in lines:
        line._history_user = acting_user
    # bulk_create skips save(): write the history rows of the new lines in one go as well.
    created = ReportLine.objects.bulk_create(lines)
    ReportLine.history.bulk_history_create(created, default_user=acting_user)
    return report


def _on_or_before(day, end):
    """A project's date as a report of a period ending on `end` knows it."""
    return day if day is not None and day <= end else None


def check_line(line: ReportLine, previous: ReportLine | None) -> tuple[dict, dict]:
    """The rules of a report line: (errors, warnings), each {field: [messages]}.

    An error is never accepted; a warning is accepted when the line has a remark explaining it.
    """
    errors, warnings = {}, {}
    project = line.project

    def add(kind, field, message):
        kind.setdefault(field, []).append(message)

    is_construction = project.category == ProjectCategory.CONSTRUCTION
    end = line.report.ends_on
    for field in LINE_DATES:
        day = getattr(line, field)
        if day and day > end:
            add(
                errors,
                field,
                _("This date is after the end of the period (%(end)s).") % {"end": end.isoformat()},
            )
    if line.completed_on and not line.started_on:
        add(errors, "started_on", _("A completion date needs a start date."))
    if line.completed_on and line.started_on and line.completed_on < line.started_on:
        add(errors, "completed_on", _("The completion date is before the start date."))
    if line.progress == 100 and not line.completed_on:
        add(errors, "completed_on", _("A project at 100% progress has a completion date."))
    if line.completed_on and line.progress < 100:
        add(errors, "progress", _("A project with a completion date is at 100% progress."))
    if is_construction:
        started = line.started_area
        completed = line.completed_area
        if started is None or completed is None:
            add(
                errors,
                "started_area" if started is None else "completed_area",
                _("Enter the area of a construction project (0 if none)."),
            )
        else:
            planned = project.planned_area or 0
            if completed > started:
                add(
                    errors,
                    "completed_area",
                    _("The completed area cannot be larger than the started area."),
                )
            if started > planned * (1 + settings.GAIBO_AREA_OVERSHOOT):
                add(
                    errors,
                    "started_area",
                    _("The started area is more than %(share)s%% above the planned %(planned)s m².")
                    % {"share": int(settings.GAIBO_AREA_OVERSHOOT * 100), "planned": planned},
                )
            elif started > planned:
                add(
                    warnings,
                    "started_area",
                    _("The started area is above the planned %(planned)s m².")
                    % {"planned": planned},
                )
            if started > 0 and not line.started_on:
                add(errors, "started_on", _("A project with a started area has a start date."))
            if previous is not None:
                for field, label in (
                    ("started_area", _("started area")),
                    ("completed_area", _("completed area")),
                ):
                    before = getattr(previous, field)
                    if before is not None and getattr(line, field) < before:
                        add(
                            warnings,
                            field,
                            _("The %(figure)s is lower than last period's %(before)s.")
                            % {"figure": label, "before": before},
                        )
    else:
        for field in ("started_area", "completed_area"):
            if getattr(line, field):
                add(errors, field, _("Areas are reported for construction projects only."))
    if previous is not None and line.progress < previous.progress:
        add(
            warnings,
            "progress",
            _("The progress is lower than last period's %(before)s%%.")
            % {"before": previous.progress},
        )
    if line.investment_to_date > project.planned_amount:
        add(
            warnings,
            "investment_month",
            _("The investment to date is above the project's planned amount."),
        )
    return errors, warnings


def _refusal(errors: dict, warnings: dict, remark: str) -> dict:
    """The messages that refuse a line: its errors, and its warnings when it has no remark."""
    refusal = {field: list(messages) for field, messages in errors.items()}
    if not remark:
        for field, messages in warnings.items():
            for message in messages:
                refusal.setdefault(field, []).append(
                    message + _(" If this is right, explain it in the remark.")
                )
    return refusal


UNKNOWN = object()  # `previous` not given: looked up


def _save_line(line: ReportLine, acting_user) -> ReportLine:
    """Write a line whose figures the rules of `check_line` (or the confirmation) accepted.

    Its fields were cleaned by the form that took them, and the database constraints hold them
    again; so the line is saved without `full_clean`, which would cost a dozen queries a line
    (a 5,000-row upload would take minutes). The history keeps who and what, as for any save.
    """
    line.version += 1
    line.updated_by = acting_user
    line._history_user = acting_user
    line.save()
    return line


@transaction.atomic
def report_line_save(
    *, line: ReportLine, acting_user, expected_version: int | None = None, previous=UNKNOWN
) -> ReportLine:
    """Save a line of a report being entered: the rules of `check_line`, the deadline, and no
    silent overwrite (the version the user loaded must still be the current one).

    The dates are written to the project too (its status follows them), so that a project's
    page and its reports agree.
    """
    if not acting_user.can_enter_reports:
        raise PermissionDenied(_("Your role cannot enter monthly reports."))
    report = _visible_report(line.report, acting_user)
    if not getattr(report, "_state_held", False):
        _hold_state(report)
    line.report = report
    if not entry_is_open(report):
        raise ValidationError(
            _("This report is not open for entry (%(state)s).")
            % {"state": report.get_state_display()}
        )
    current = ReportLine.objects.select_for_update().get(pk=line.pk)
    if current.report_id != report.pk or current.project_id != line.project_id:
        raise PermissionDenied(_("This line belongs to another report."))
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(stale_message(current), code="stale")
    if previous is UNKNOWN:
        previous = selectors.previous_lines(report, projects=[line.project_id]).get(line.project_id)
    line.investment_to_date = (previous.investment_to_date if previous else 0) + (
        line.investment_month or 0
    )
    errors, warnings = check_line(line, previous)
    refusal = _refusal(errors, warnings, line.remark)
    if refusal:
        raise ValidationError(refusal)
    project = _write_project_dates(line, acting_user)
    line.status = project.status_on(report.ends_on)
    line.version = current.version
    return _save_line(line, acting_user)


def _write_project_dates(line: ReportLine, acting_user) -> Project:
    """Give the project the line's dates; the project's own rules name what is missing.

    A date the project has after the end of the report's period is kept: a report of an
    earlier period does not know it (and leaves it empty), so it cannot take it away. The
    project is locked and written only when a date changes.
    """
    project = line.project
    fields = PROGRESS_DATES[project.category]
    end = line.report.ends_on

    def changes(project):
        wanted = {}
        for line_field, project_field in zip(LINE_DATES, fields, strict=True):
            current = getattr(project, project_field)
            if current is not None and current > end:
                continue
            if current != getattr(line, line_field):
                wanted[project_field] = getattr(line, line_field)
        return wanted

    if not changes(project):
        return project
    project = Project.objects.select_for_update().get(pk=project.pk)
    for field, value in changes(project).items():
        setattr(project, field, value)
    try:
        project_save(project=project, acting_user=acting_user)
    except ValidationError as error:
        back = dict(zip(fields, LINE_DATES, strict=True))
        if hasattr(error, "error_dict"):
            named = {}
            for field, messages in error.error_dict.items():
                named.setdefault(back.get(field, NON_FIELD_ERRORS), []).extend(messages)
            raise ValidationError(named) from None
        raise
    line.project = project
    return project


def report_problems(report: Report) -> list[str]:
    """Every line that the rules refuse, as "code name: message" (for submission)."""
    lines = selectors.report_lines(report)
    previous = selectors.previous_lines(report)
    problems = []
    for line in lines:
        errors, warnings = check_line(line, previous.get(line.project_id))
        for messages in _refusal(errors, warnings, line.remark).values():
            for message in messages:
                problems.append(f"{line.project.code} {line.project.name}: {message}")
    return problems


def _step(report: Report, *, action, to_state, acting_user, reason="") -> Report:
    event = ReportEvent(
        report=report,
        action=action,
        from_state=report.state,
        to_state=to_state,
        reason=reason,
        actor=acting_user,
    )
    report.state = to_state
    validated_save(report, acting_user=acting_user)
    event.full_clean()
    event.save()
    if report.half == Half.WHOLE and to_state in (ReportState.SUBMITTED, ReportState.APPROVED):
        report_totals_refresh(report)
    if to_state in (ReportState.APPROVED, ReportState.RETURNED):
        # Later reports take the projects this one reported finished from it.
        for later in Report.objects.filter(
            county_id=report.county_id,
            half=Half.WHOLE,
            ends_on__gt=report.ends_on,
            state__in=selectors.COUNTED_STATES[True],
        ):
            report_totals_refresh(later)
    return report


def report_totals_refresh(report: Report) -> ReportTotals:
    """Keep a monthly report's figures summed up for the dashboards (see ReportTotals)."""
    progress, _lines = selectors.report_progress(report)
    totals, _created = ReportTotals.objects.update_or_create(
        report=report, defaults=progress.as_totals()
    )
    return totals


def _require_state(report: Report, *states) -> None:
    if report.state not in states:
        raise ValidationError(
            _("This cannot be done to a report that is %(state)s.")
            % {"state": report.get_state_display()}
        )


@transaction.atomic
def report_submit(*, report: Report, acting_user) -> Report:
    """The county education bureau submits; the report goes to the finance bureau."""
    if not acting_user.can_enter_reports:
        raise PermissionDenied(_("Your role cannot enter monthly reports."))
    report = _visible_report(report, acting_user, lock=True)
    _require_state(report, *EDITABLE_STATES)
    if not entry_is_open(report):
        raise ValidationError(
            _("The deadline for this report was %(date)s; ask the city for an exception.")
            % {"date": report.due_date.isoformat()}
        )
    problems = report_problems(report)
    if problems:
        raise ValidationError(problems)
    if report.first_submitted_at is None:
        report.first_submitted_at = _now()
        report.is_late = timezone.localdate(report.first_submitted_at) > report.due_date
    return _step(
        report, action=ReportAction.SUBMIT, to_state=ReportState.SUBMITTED, acting_user=acting_user
    )


@transaction.atomic
def report_confirm(*, report: Report, acting_user) -> Report:
    """The county finance bureau confirms the fund part: the funds of each project, from the
    funding records up to the end of the period, are kept with the report."""
    if not acting_user.can_confirm_reports:
        raise PermissionDenied(_("Your role cannot confirm the fund figures of a report."))
    report = _visible_report(report, acting_user, lock=True)
    _require_state(report, ReportState.SUBMITTED)
    lines = selectors.report_lines(report)
    funds = selectors.project_funds(report, [line.project_id for line in lines])
    for line in lines:
        figures = funds[line.project_id]
        if figures.paid_to_date > figures.arrived_to_date:
            raise ValidationError(
                _("%(project)s: the funds paid exceed the funds arrived.")
                % {"project": line.project.code}
            )
        line.arrived_to_date = figures.arrived_to_date
        line.paid_to_date = figures.paid_to_date
        line.arrived_month = figures.arrived_month
        line.paid_month = figures.paid_month
        _save_line(line, acting_user)
    return _step(
        report, action=ReportAction.CONFIRM, to_state=ReportState.CONFIRMED, acting_user=acting_user
    )


@transaction.atomic
def report_return(*, report: Report, acting_user, reason: str) -> Report:
    """Send a report back to the county education bureau, with the reason: the finance bureau
    before confirming, the city before approving."""
    report = _visible_report(report, acting_user, lock=True)
    may_return = {
        ReportState.SUBMITTED: acting_user.can_confirm_reports,
        ReportState.CONFIRMED: acting_user.can_review_reports,
    }
    _require_state(report, *may_return)
    if not may_return[report.state]:
        raise PermissionDenied(_("Your role cannot return this report now."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is returned.")})
    return _step(
        report,
        action=ReportAction.RETURN,
        to_state=ReportState.RETURNED,
        acting_user=acting_user,
        reason=reason.strip(),
    )


@transaction.atomic
def report_approve(*, report: Report, acting_user) -> Report:
    """The city approves: the month is locked for the county."""
    if not acting_user.can_review_reports:
        raise PermissionDenied(_("Your role cannot approve reports."))
    report = _visible_report(report, acting_user, lock=True)
    _require_state(report, ReportState.CONFIRMED)
    return _step(
        report, action=ReportAction.APPROVE, to_state=ReportState.APPROVED, acting_user=acting_user
    )


@transaction.atomic
def report_reopen(*, report: Report, acting_user, reason: str) -> Report:
    """The city reopens an approved month, with the reason; the county corrects it."""
    if not acting_user.can_review_reports:
        raise PermissionDenied(_("Your role cannot reopen reports."))
    report = _visible_report(report, acting_user, lock=True)
    _require_state(report, ReportState.APPROVED)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is reopened.")})
    return _step(
        report,
        action=ReportAction.REOPEN,
        to_state=ReportState.RETURNED,
        acting_user=acting_user,
        reason=reason.strip(),
    )


@transaction.atomic
def deadline_exception_grant(*, exception: DeadlineException, acting_user) -> DeadlineException:
    """The city lets a county enter a period's report after its deadline."""
    if not acting_user.can_review_reports:
        raise PermissionDenied(_("Your role cannot grant deadline exceptions."))
    if not District.objects.visible_to(acting_user).filter(pk=exception.county_id).exists():
        raise PermissionDenied(_("This county is outside your district."))
    if exception.until < _today():
        raise ValidationError({"until": _("The day is already past.")})
    exception.granted_by = acting_user
    return validated_save(exception, acting_user=acting_user)


@transaction.atomic
def half_monthly_switch_on(*, city: District, year: int, month: int, acting_user):
    """The city switches on the half-monthly table of unfinished projects for a month."""
    if not acting_user.can_review_reports:
        raise PermissionDenied(_("Your role cannot schedule half-monthly reporting."))
    if not District.objects.visible_to(acting_user).filter(pk=city.pk).exists():
        raise PermissionDenied(_("This city is outside your district."))
    schedule, _created = HalfMonthlySchedule.objects.get_or_create(
        city=city, year=year, month=month, defaults={"switched_on_by": acting_user}
    )
    return schedule
