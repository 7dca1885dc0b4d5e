"""Reads of the monthly reports: the lines of a report, the previous period's figures, the
funds from the funding records, and the city's submission tracker."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from funding.models import Arrival, Payment
from gaibo.money import ZERO
from projects.choices import PROGRAMME_YEARS, DistrictLevel, ProjectCategory, ProjectStatus
from projects.models import District, EquipmentLine, Project
from reports.choices import Half, ReportState
from reports.models import Report, ReportEvent, ReportLine, ReportTotals, due_date, period_start

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


# The reports whose figures count: approved ones; with `pending`, also those submitted and not
# yet approved (shown as such).
COUNTED_STATES = {
    False: (ReportState.APPROVED,),
    True: (ReportState.APPROVED, ReportState.CONFIRMED, ReportState.SUBMITTED),
}


def programme_of(year: int) -> str:
    """The programme a year's figures belong to: the latest one begun by then (全面改薄 runs
    on after 2018 to finish its works, until 能力提升 begins in 2021)."""
    begun = [p for p, (first, _last) in PROGRAMME_YEARS.items() if first <= year]
    if not begun:
        return min(PROGRAMME_YEARS, key=lambda p: PROGRAMME_YEARS[p][0])
    return max(begun, key=lambda p: PROGRAMME_YEARS[p][0])


def counted_report(*, county_id, ends_on: datetime.date, pending=False) -> Report | None:
    """The county's latest monthly report up to a day whose figures count."""
    return (
        Report.objects.filter(
            county_id=county_id,
            half=Half.WHOLE,
            ends_on__lte=ends_on,
            state__in=COUNTED_STATES[pending],
        )
        .order_by("-ends_on")
        .first()
    )


STANDING_FIELDS = (
    "project_id",
    "project__school_id",
    "project__category",
    "status",
    "started_on",
    "completed_on",
    "started_area",
    "completed_area",
    "investment_to_date",
    "progress",
)


def standing_lines(report: Report, *, school_id=None) -> dict[int, dict]:
    """Where each project of a report's programme stands by that report, by project id: the
    report's own lines, and the last approved line of each project reported finished earlier
    (finished projects leave the later reports). Two queries."""
    programme = programme_of(report.year)
    own = ReportLine.objects.filter(report=report, project__programme=programme)
    finished = ReportLine.objects.filter(
        report__county_id=report.county_id,
        report__half=Half.WHOLE,
        report__state=ReportState.APPROVED,
        report__ends_on__lt=report.ends_on,
        progress=100,
        project__programme=programme,
    ).exclude(project_id__in=ReportLine.objects.filter(report=report).values("project_id"))
    if school_id is not None:
        own = own.filter(project__school_id=school_id)
        finished = finished.filter(project__school_id=school_id)
    lines = {}
    for row in finished.order_by("report__ends_on").values(*STANDING_FIELDS):
        lines[row["project_id"]] = row
    for row in own.values(*STANDING_FIELDS):
        lines[row["project_id"]] = row
    return lines


@dataclass
class Progress:
    """What the reports say of a set of projects: areas started and completed, investment
    completed, equipment purchased and delivered, projects and schools by where they stand.

    Built from standing lines (`progress_of`) or read back from a report's kept totals
    (`from_totals`); two of them add up (`add`) to the figures of a larger district.
    """

    lines: int = 0
    started_area: Decimal = ZERO
    completed_area: Decimal = ZERO
    construction_started: int = 0
    construction_completed: int = 0
    equipment_done: int = 0
    investment: Decimal = ZERO
    equipment_investment: Decimal = ZERO
    schools_started: int = 0
    schools_completed: int = 0
    schools_equipment_done: int = 0
    statuses: dict = field(default_factory=dict)
    quantities: dict = field(default_factory=dict)

    COUNTS = (
        "lines",
        "construction_started",
        "construction_completed",
        "equipment_done",
        "schools_started",
        "schools_completed",
        "schools_equipment_done",
    )
    AMOUNTS = ("started_area", "completed_area", "investment", "equipment_investment")

    def add(self, other: "Progress") -> None:
        for name in self.COUNTS + self.AMOUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        add_quantities(self.quantities, other.quantities)

    def as_totals(self) -> dict:
        """The fields of ReportTotals (quantities as text, as JSON keeps them exactly)."""
        values = {name: getattr(self, name) for name in self.COUNTS + self.AMOUNTS}
        values["statuses"] = dict(self.statuses)
        values["quantities"] = {
            category: {unit: str(quantity) for unit, quantity in units.items()}
            for category, units in self.quantities.items()
        }
        return values

    @classmethod
    def from_totals(cls, row: dict) -> "Progress":
        """From a `ReportTotals.objects.values()` row."""
        progress = cls(**{name: row[name] for name in cls.COUNTS + cls.AMOUNTS})
        progress.statuses = dict(row["statuses"])
        progress.quantities = {
            category: {unit: Decimal(quantity) for unit, quantity in units.items()}
            for category, units in row["quantities"].items()
        }
        return progress


def add_quantities(into: dict, other: dict) -> None:
    """Add {category: {unit: quantity}} to another."""
    for category, units in other.items():
        target = into.setdefault(category, {})
        for unit, quantity in units.items():
            target[unit] = target.get(unit, Decimal(0)) + Decimal(quantity)


def finished_quantities(project_ids) -> dict[int, dict]:
    """The equipment of some projects by project, as {project: {category: {unit: n}}}."""
    quantities = {}
    rows = (
        EquipmentLine.objects.filter(project_id__in=project_ids)
        .values("project_id", "category", "unit")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for row in rows:
        units = quantities.setdefault(row["project_id"], {}).setdefault(row["category"], {})
        units[row["unit"]] = row["total"]
    return quantities


def progress_of(lines, projects, quantities=None) -> Progress:
    """Sum standing lines up. `projects` are (id, school id, category) of every project of the
    set, reported or not: a school counts as completed when all its construction projects are,
    as equipped when all its equipment and IT projects are delivered. `quantities` are those
    of `finished_quantities` when the caller has them already (else one query)."""
    progress = Progress()
    finished_ids = []
    for line in lines:
        progress.lines += 1
        progress.statuses[line["status"]] = progress.statuses.get(line["status"], 0) + 1
        progress.investment += line["investment_to_date"]
        if line["project__category"] == ProjectCategory.CONSTRUCTION:
            progress.started_area += line["started_area"] or ZERO
            progress.completed_area += line["completed_area"] or ZERO
            progress.construction_started += line["started_on"] is not None
            progress.construction_completed += line["completed_on"] is not None
        else:
            progress.equipment_investment += line["investment_to_date"]
            progress.equipment_done += line["completed_on"] is not None
        if line["completed_on"] is not None:
            finished_ids.append(line["project_id"])

    by_id = {line["project_id"]: line for line in lines}
    schools = {}
    for project_id, school_id, category in projects:
        kind = "construction" if category == ProjectCategory.CONSTRUCTION else "equipment"
        line = by_id.get(project_id)
        school = schools.setdefault(school_id, {})
        state = school.setdefault(kind, {"any_started": False, "all_done": True})
        state["any_started"] |= bool(line and line["started_on"] is not None)
        state["all_done"] &= bool(line and line["completed_on"] is not None)
    for school in schools.values():
        if "construction" in school:
            progress.schools_started += school["construction"]["any_started"]
            progress.schools_completed += school["construction"]["all_done"]
        if "equipment" in school:
            progress.schools_equipment_done += school["equipment"]["all_done"]

    if quantities is None:
        quantities = finished_quantities(finished_ids)
    for project_id in finished_ids:
        add_quantities(progress.quantities, quantities.get(project_id, {}))
    return progress


def report_progress(report: Report, *, school_id=None) -> tuple[Progress, dict[int, dict]]:
    """A report's progress figures (of its county, or of one school) and its standing lines."""
    lines = standing_lines(report, school_id=school_id)
    projects = Project.objects.filter(
        school__county_id=report.county_id, programme=programme_of(report.year)
    )
    if school_id is not None:
        projects = projects.filter(school_id=school_id)
    progress = progress_of(
        list(lines.values()), projects.values_list("pk", "school_id", "category").order_by()
    )
    return progress, lines


def totals_rows(*, counties, ends_on: datetime.date, pending=False, since=None, details=True):
    """The kept totals of the counted reports of some counties up to a day, oldest first, as
    dicts with the county, the period and the state (one query); without `details`, without
    the statuses and quantities (see with_details)."""
    rows = ReportTotals.objects.filter(
        report__county__in=counties,
        report__half=Half.WHOLE,
        report__ends_on__lte=ends_on,
        report__state__in=COUNTED_STATES[pending],
    )
    if since is not None:
        rows = rows.filter(report__ends_on__gte=since)
    return rows.order_by("report__ends_on").values(
        "id",
        "report__county_id",
        "report__ends_on",
        "report__state",
        *Progress.COUNTS,
        *Progress.AMOUNTS,
        *(DETAILS if details else ()),
    )


# The totals' fields kept as JSON: decoding them is most of the time of reading many rows.
DETAILS = ("statuses", "quantities")


def with_details(rows) -> list[dict]:
    """Rows of totals_rows(details=False) with their statuses and quantities (one query)."""
    details = {
        row.pop("id"): row
        for row in ReportTotals.objects.filter(pk__in=[row["id"] for row in rows]).values(
            "id", *DETAILS
        )
    }
    return [{**row, **details[row["id"]]} for row in rows]
