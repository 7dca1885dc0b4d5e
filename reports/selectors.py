"""Reads of the monthly reports: the lines of a report, the previous period's figures, the
funds from the funding records, and the city's submission tracker."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from funding.models import Arrival, Payment
from gaibo.money import ZERO
from projects.choices import DistrictLevel, ProjectStatus
from projects.models import District, Project
from reports.choices import Half, ReportState
from reports.models import Report, ReportEvent, ReportLine, due_date, period_start

# A project that reached one of these is no longer in the half-monthly table of unfinished ones.
FINISHED = frozenset(
    {
        ProjectStatus.COMPLETED,
        ProjectStatus.DELIVERED,
        ProjectStatus.ACCEPTED,
        ProjectStatus.AUDITED,
        ProjectStatus.IN_USE,
    }
)


def reports_visible_to(*, user):
    return Report.objects.visible_to(user).select_related("county")


def report_lines(report: Report):
    return list(
        ReportLine.objects.filter(report=report)
        .select_related("project__school", "report", "updated_by")
        .order_by("project__code")
    )


def report_events(report: Report):
    return ReportEvent.objects.filter(report=report).select_related("actor")


def previous_report(report: Report) -> Report | None:
    """The county's report just before this one: for a monthly report the previous month's;
    for a half-monthly table the latest report that ended before it."""
    earlier = Report.objects.filter(county_id=report.county_id, ends_on__lte=report.ends_on)
    if report.pk:
        earlier = earlier.exclude(pk=report.pk)
    if report.half == Half.WHOLE:
        earlier = earlier.filter(half=Half.WHOLE, ends_on__lt=report.ends_on)
    return earlier.order_by("-ends_on", "-half", "-pk").first()


def previous_lines(report: Report, projects=None) -> dict[int, ReportLine]:
    """The previous report's line of each project, by project id."""
    before = previous_report(report)
    if before is None:
        return {}
    lines = ReportLine.objects.filter(report=before)
    if projects is not None:
        lines = lines.filter(project_id__in=projects)
    return {line.project_id: line for line in lines}


def reportable_projects(report: Report, previous: dict[int, ReportLine]):
    """The county's projects a report lists: those of its plan years so far (or implemented
    early), except those already reported finished (100%) in an approved report. The
    half-monthly table lists only the unfinished ones."""
    projects = Project.objects.filter(school__county_id=report.county_id).filter(
        Q(plan_year__lte=report.year) | Q(is_early=True)
    )
    done = ReportLine.objects.filter(
        report__county_id=report.county_id,
        report__state=ReportState.APPROVED,
        report__ends_on__lt=report.ends_on,
        progress=100,
    ).values("project_id")
    projects = projects.exclude(pk__in=done)
    if report.half != Half.WHOLE:
        projects = projects.exclude(status__in=FINISHED)
    return projects.select_related("school").order_by("code")


@dataclass
class Funds:
    arrived_month: Decimal = ZERO
    arrived_to_date: Decimal = ZERO
    paid_month: Decimal = ZERO
    paid_to_date: Decimal = ZERO


def project_funds(report: Report, project_ids) -> dict[int, Funds]:
    """Arrived and paid, in the period and to its end, for each project (two queries)."""
    start = period_start(report.year, report.month, report.half)
    end = report.ends_on
    funds = {pk: Funds() for pk in project_ids}
    for model, date_field, prefix in (
        (Arrival, "arrived_on", "arrived"),
        (Payment, "paid_on", "paid"),
    ):
        rows = (
            model.objects.filter(project_id__in=project_ids, **{f"{date_field}__lte": end})
            .values("project_id")
            .annotate(
                to_date=Sum("amount"),
                month=Coalesce(Sum("amount", filter=Q(**{f"{date_field}__gte": start})), ZERO),
            )
        )
        for row in rows:
            setattr(funds[row["project_id"]], f"{prefix}_to_date", row["to_date"])
            setattr(funds[row["project_id"]], f"{prefix}_month", row["month"])
    return funds


def line_funds(report: Report, lines) -> dict[int, Funds]:
    """The funds to show on a report: kept ones once confirmed, else the live records."""
    if all(line.arrived_to_date is not None for line in lines) and lines:
        return {
            line.project_id: Funds(
                arrived_month=line.arrived_month,
                arrived_to_date=line.arrived_to_date,
                paid_month=line.paid_month,
                paid_to_date=line.paid_to_date,
            )
            for line in lines
        }
    return project_funds(report, [line.project_id for line in lines])


@dataclass
class TrackerRow:
    county: District
    report: Report | None

    @property
    def state_label(self) -> str:
        return self.report.get_state_display() if self.report else str(_("Not started"))

    @property
    def is_submitted(self) -> bool:
        return self.report is not None and self.report.first_submitted_at is not None

    @property
    def is_on_time(self) -> bool:
        return self.is_submitted and not self.report.is_late


@dataclass
class Tracker:
    year: int
    month: int
    half: int
    due: datetime.date
    rows: list

    @property
    def expected(self) -> int:
        return len(self.rows)

    @property
    def submitted(self) -> int:
        return sum(row.is_submitted for row in self.rows)

    @property
    def on_time(self) -> int:
        return sum(row.is_on_time for row in self.rows)

    @property
    def approved(self) -> int:
        return sum(
            bool(row.report and row.report.state == ReportState.APPROVED) for row in self.rows
        )

    def _rate(self, part):
        if not self.expected:
            return None
        return (Decimal(100) * part / self.expected).quantize(Decimal("0.1"))

    @property
    def submission_rate(self):
        return self._rate(self.submitted)

    @property
    def on_time_rate(self):
        return self._rate(self.on_time)

    @property
    def missing(self) -> list[District]:
        return [row.county for row in self.rows if not row.is_submitted]


def tracker(*, user, year: int, month: int, half: int = Half.WHOLE) -> Tracker:
    """Each county's report of a period: state, on time or late, and the counts (two queries)."""
    counties = District.objects.visible_to(user).filter(level=DistrictLevel.COUNTY).order_by("code")
    reports = {
        report.county_id: report
        for report in Report.objects.visible_to(user).filter(year=year, month=month, half=half)
    }
    rows = [TrackerRow(county=county, report=reports.get(county.pk)) for county in counties]
    return Tracker(year=year, month=month, half=half, due=due_date(year, month, half), rows=rows)
