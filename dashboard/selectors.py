"""Reads of the dashboard: the indicators of any district or school for a month, its children
side by side and ranked, the trend of each rate month by month, and the alerts.

Where the figures come from:
- the plan (planned area, amounts, equipment, projects and schools): the projects of the
  month's programme (its whole plan, 规划), live;
- progress (areas started and completed, investment, equipment purchased and delivered,
  projects and schools by where they stand): the counted monthly reports, approved ones, or
  with `pending` also those submitted and not yet approved. A county is counted with its
  latest such report up to the month; an older one is shown with its month. Counties are read
  from the totals each report keeps (ReportTotals); a county's schools from the report's lines;
- funds (planned by source, arrived, paid): the funding records, dated up to the month's end,
  the same records the ledger sums. Counties and the trend are read from the totals kept per
  county, source and month (FundTotals); a county's schools from their records.

A dashboard takes a fixed number of queries whatever the number of counties, schools,
projects or months.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.choices import FundLevel
from funding.models import Arrival, FundTotals, Payment
from funding.selectors import (
    PLAN_COUNTS,
    LedgerRow,
    held_projects,
    held_sql,
    kept_plan_sums,
    plan_sums,
    rate,
)
from gaibo.access import district_subtree
from gaibo.money import ZERO
from inspections.models import Finding
from inspections.selectors import overdue_condition
from projects.choices import (
    EQUIPMENT_CATEGORIES,
    PROGRAMME_YEARS,
    DistrictLevel,
    Programme,
    ProjectCategory,
    ProjectStatus,
)
from projects.models import District, EquipmentLine, Project, School
from reports.choices import Half, ReportState
from reports.models import Report, due_date, period_end
from reports.selectors import (
    Progress,
    add_quantities,
    counted_report,
    finished_quantities,
    programme_of,
    progress_of,
    standing_lines,
    totals_rows,
    with_details,
)

# How many months the trend shows, ending with the month asked for.
TREND_MONTHS = 24
# The progress figures a trend point sums: those of its rates.
TREND_PROGRESS = ("started_area", "completed_area", "equipment_investment")

# The rates a dashboard ranks by, in the order it shows them.
RATES = {
    "start_rate": gettext_lazy("Start rate"),
    "completion_rate": gettext_lazy("Completion rate"),
    "equipment_rate": gettext_lazy("Equipment purchase rate"),
    "arrival_rate": gettext_lazy("Fund arrival rate"),
    "payment_rate": gettext_lazy("Fund payment rate"),
}
DEFAULT_RANK = "completion_rate"

# The share of children a ranking names as laggards (as a 通报 names the last ones), at least
# one when there are two or more.
LAGGARD_SHARE = Decimal("0.2")


@dataclass
class Figures:
    """The indicator set of one district, school or project for a month."""

    label: str
    code: str = ""
    url: str = ""
    # The plan.
    projects: int = 0
    construction_projects: int = 0
    equipment_projects: int = 0
    it_projects: int = 0
    early_projects: int = 0
    schools: int = 0
    planned_area: Decimal = ZERO
    planned_equipment: Decimal = ZERO
    planned_quantities: dict = field(default_factory=dict)
    # The money: planned (projects' amounts), named by source, arrived and paid.
    funds: LedgerRow = None
    sources: dict = field(default_factory=dict)
    # What the counted reports say.
    progress: Progress = field(default_factory=Progress)
    counties: int = 0  # counties below (1 for a county)
    counties_reported: int = 0  # of them, with a counted report up to the month
    reported_on: datetime.date | None = None  # the oldest report counted
    pending: bool = False  # some figures are of reports not yet approved
    rank: int | None = None
    is_laggard: bool = False

    def __post_init__(self):
        if self.funds is None:
            self.funds = LedgerRow(label=self.label)

    def _reported_rate(self, part, whole):
        """A rate of the reports' figures: none until a counted report is there."""
        return rate(part, whole) if self.reported_on is not None else None

    @property
    def start_rate(self):
        """开工率 = started construction area ÷ planned construction area."""
        return self._reported_rate(self.progress.started_area, self.planned_area)

    @property
    def completion_rate(self):
        """竣工率 = completed construction area ÷ planned construction area."""
        return self._reported_rate(self.progress.completed_area, self.planned_area)

    @property
    def equipment_rate(self):
        """设备购置完成率 = equipment purchased ÷ planned (may exceed 100%)."""
        return self._reported_rate(self.progress.equipment_investment, self.planned_equipment)

    @property
    def arrival_rate(self):
        return self.funds.arrival_rate

    @property
    def payment_rate(self):
        return self.funds.payment_rate

    @property
    def rates(self) -> dict:
        return {name: getattr(self, name) for name in RATES}

    @property
    def is_complete(self) -> bool:
        """Every county below has a counted report of the month itself."""
        return self.counties_reported == self.counties and self.counties > 0

    def add(self, other: "Figures") -> None:
        for name in (
            *PLAN_COUNTS,
            "planned_area",
            "planned_equipment",
            "counties",
            "counties_reported",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        add_quantities(self.planned_quantities, other.planned_quantities)
        self.funds.add(other.funds)
        for source, row in other.sources.items():
            self.sources.setdefault(source, LedgerRow(label=row.label)).add(row)
        self.progress.add(other.progress)
        if other.reported_on is not None:
            self.reported_on = min(filter(None, (self.reported_on, other.reported_on)))
        self.pending |= other.pending

    @property
    def by_source(self) -> list[LedgerRow]:
        return [self.sources[source] for source in FundLevel if source in self.sources]


@dataclass
class TrendPoint:
    year: int
    month: int
    figures: Figures

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


@dataclass
class Alert:
    kind: str
    subject: str
    count: int
    url: str = ""


@dataclass
class Dashboard:
    node: District | School
    year: int
    month: int
    pending: bool
    programme: str
    headline: Figures
    children: list
    trend: list
    alerts: list
    rank_by: str = DEFAULT_RANK
    reports: dict = field(default_factory=dict)  # county id → its report of the month

    @property
    def month_end(self) -> datetime.date:
        return month_end(self.year, self.month)

    @property
    def programme_label(self) -> str:
        return Programme(self.programme).label

    @property
    def laggards(self) -> list[Figures]:
        return [child for child in self.children if child.is_laggard]


def month_end(year: int, month: int) -> datetime.date:
    return period_end(year, month, Half.WHOLE)


def latest_month(*, user, district: District) -> tuple[int, int]:
    """The latest month with an approved report in the district, else last month."""
    report = (
        Report.objects.visible_to(user)
        .filter(
            county__in=district_subtree(district.pk),
            half=Half.WHOLE,
            state=ReportState.APPROVED,
        )
        .order_by("-ends_on")
        .first()
    )
    if report is not None:
        return report.year, report.month
    today = timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def district_url(district: District, year: int, month: int, pending: bool = False) -> str:
    query = {"district": district.code, "month": f"{year}-{month:02d}"}
    if pending:
        query["pending"] = "1"
    return f"{reverse('dashboard:district')}?{urlencode(query)}"


def school_url(school: School, year: int, month: int, pending: bool = False) -> str:
    query = {"month": f"{year}-{month:02d}"}
    if pending:
        query["pending"] = "1"
    return f"{reverse('dashboard:school', args=[school.code])}?{urlencode(query)}"


# The path from a project to the child of a district that holds it.
_CHILD_OF_PROJECT = {
    DistrictLevel.PROVINCE: "school__county__parent",
    DistrictLevel.CITY: "school__county",
    DistrictLevel.COUNTY: "school",
}


def _trend_months(year: int, month: int, programme: str) -> list[tuple[int, int]]:
    first_year = PROGRAMME_YEARS[programme][0]
    months = []
    while len(months) < TREND_MONTHS and year >= first_year:
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def district_dashboard(
    *, user, district: District, year: int, month: int, pending=False, rank_by=DEFAULT_RANK
) -> Dashboard:
    """The dashboard of a province, city or county for a month (see the module's doc)."""
    end = month_end(year, month)
    programme = programme_of(year)
    # The districts below that the user sees, in one statement; the counties (or the county
    # itself) as a list of ids: every statement below filters by it, joined straight to the
    # rows it sums (nested subtree subqueries make PostgreSQL keep the written join order and
    # scan the whole province).
    below = list(
        district_subtree(district.pk)
        .visible_to(user)
        .order_by("code")
        .only("pk", "code", "name", "level", "parent_id")
    )
    county_rows = {row.pk: row for row in below if row.level == DistrictLevel.COUNTY}
    where = {"school__county__in": list(county_rows), "programme": programme}
    projects = Project.objects.filter(**where)
    child_path = _CHILD_OF_PROJECT[district.level]
    months = _trend_months(year, month, programme)

    if district.level == DistrictLevel.COUNTY:
        children = {
            school.pk: Figures(
                label=school.name,
                code=school.code,
                url=school_url(school, year, month, pending),
            )
            for school in School.objects.filter(pk__in=projects.values("school")).order_by("code")
        }
        counties = {district.pk: district.pk}
    else:
        children = {
            child.pk: Figures(
                label=child.name,
                code=child.code,
                url=district_url(child, year, month, pending),
            )
            for child in below
            if child.parent_id == district.pk
        }
        counties = {
            pk: county.parent_id if district.level == DistrictLevel.PROVINCE else pk
            for pk, county in county_rows.items()
        }
        counties = {pk: child for pk, child in counties.items() if child in children}

    # The plan: a county's schools' from their projects, a city's or province's children from
    # their counties' kept totals.
    if district.level == DistrictLevel.COUNTY:
        for school, plan in plan_sums(child_path, **where).items():
            if school in children:
                _add_plan(children[school], plan)
    else:
        for county, plan in kept_plan_sums(counties=list(counties), programme=programme).items():
            _add_plan(children[counties[county]], plan)
    # The trend of the money from the counties' kept totals; a county's schools' money from
    # their own records, a city's or province's children from their counties' totals.
    kept_funds = FundTotals.objects.filter(
        county__in=counties.keys(), programme=programme, month__lte=end
    )
    funds_up_to = _funds_up_to(kept_funds, [month_end(*month) for month in months])
    if district.level == DistrictLevel.COUNTY:
        child_funds = _funds_of(projects, child_path, end)
    else:
        child_funds = [
            (counties[row["county"]], row["source"], row["arrived"], row["paid"])
            for row in kept_funds.values("county", "source")
            .annotate(arrived=Sum("arrived"), paid=Sum("paid"))
            .order_by()
        ]

    totals = list(
        totals_rows(counties=counties.keys(), ends_on=end, pending=pending, details=False)
    )
    trend, latest, position = [], {}, 0

    def counted_up_to(cutoff):
        """Move `latest` (each county's latest counted report) on to a day; rows come oldest
        first, so the days must come in order."""
        nonlocal position
        while position < len(totals) and totals[position]["report__ends_on"] <= cutoff:
            latest[totals[position]["report__county_id"]] = totals[position]
            position += 1

    for trend_year, trend_month in months:
        point = Figures(label=f"{trend_year}-{trend_month:02d}")
        for figures in children.values():
            point.planned_area += figures.planned_area
            point.planned_equipment += figures.planned_equipment
            point.funds.planned += figures.funds.planned
        cutoff = month_end(trend_year, trend_month)
        for source, (arrived, paid) in funds_up_to[cutoff].items():
            _add_fund_row(point, source, arrived, paid)
        counted_up_to(cutoff)  # a point carries only what its rates need
        for row in latest.values():
            for name in TREND_PROGRESS:
                setattr(point.progress, name, getattr(point.progress, name) + row[name])
            point.reported_on = min(filter(None, (point.reported_on, row["report__ends_on"])))
        trend.append(TrendPoint(trend_year, trend_month, point))
    counted_up_to(end)  # the month's own (the trend is empty for a month before the programme)

    for child, source, arrived, paid in child_funds:
        if child in children:
            _add_fund_row(children[child], source, arrived, paid)

    reports = {
        report.county_id: report
        for report in Report.objects.filter(
            county__in=counties.keys(), year=year, month=month, half=Half.WHOLE
        )
    }
    if district.level == DistrictLevel.COUNTY:
        _add_school_progress(children, district, end, pending)
    else:
        latest = {row["report__county_id"]: row for row in with_details(list(latest.values()))}
        for county_id, child in counties.items():
            figures = children[child]
            figures.counties += 1
            row = latest.get(county_id)
            if row is None:
                continue
            figures.progress.add(Progress.from_totals(row))
            if row["report__ends_on"] == end:
                figures.counties_reported += 1
            figures.reported_on = min(filter(None, (figures.reported_on, row["report__ends_on"])))
            figures.pending |= row["report__state"] != ReportState.APPROVED

    headline = Figures(label=district.name, code=district.code)
    for figures in children.values():
        headline.add(figures)
    if district.level == DistrictLevel.COUNTY:
        # The county's own figures, with its report (its schools carry none of their own).
        report = counted_report(county_id=district.pk, ends_on=end, pending=pending)
        headline.counties = 1
        if report is not None:
            headline.reported_on = report.ends_on
            headline.counties_reported = int(report.ends_on == end)
            headline.pending = report.state != ReportState.APPROVED
    ranked = _rank(list(children.values()), rank_by)
    alerts = _alerts(
        user=user,
        county_names={pk: county.name for pk, county in county_rows.items()},
        district=district,
        projects=projects,
        child_path=child_path,
        children=children,
        counties=counties,
        reports=reports,
        year=year,
        month=month,
        programme=programme,
    )
    return Dashboard(
        node=district,
        year=year,
        month=month,
        pending=pending,
        programme=programme,
        headline=headline,
        children=ranked,
        trend=trend,
        alerts=alerts,
        rank_by=rank_by,
        reports=reports,
    )


def _add_plan(figures: Figures, plan: dict) -> None:
    """Add a plan, as funding.selectors.plan_sums gives it, to a child's figures."""
    for name in PLAN_COUNTS:
        setattr(figures, name, getattr(figures, name) + plan[name])
    figures.planned_area += plan["planned_area"]
    figures.planned_equipment += plan["planned_equipment"]
    figures.funds.planned += plan["planned_amount"]
    add_quantities(figures.planned_quantities, plan["quantities"])
    for source, amount in plan["sources"].items():
        row = _source_row(figures, source)
        row.planned += amount
        row.plan_by_source += amount
        figures.funds.plan_by_source += amount


def _source_row(figures: Figures, source: str) -> LedgerRow:
    row = figures.sources.get(source)
    if row is None:
        row = figures.sources[source] = LedgerRow(label=FundLevel(source).label)
    return row


def _funds_of(projects, key_path: str, end: datetime.date) -> list[tuple]:
    """(key, source, arrived, paid) of the projects' arrivals and payments up to a day, summed
    by a path from the project (two queries)."""
    rows = []
    for model, date_field, source_field, slot in (
        (Arrival, "arrived_on", "allocation__source", 0),
        (Payment, "paid_on", "source", 1),
    ):
        grouped = (
            model.objects.filter(project__in=projects, **{f"{date_field}__lte": end})
            .values(key=F(f"project__{key_path}"), fund_source=F(source_field))
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for row in grouped:
            amounts = [ZERO, ZERO]
            amounts[slot] = row["total"]
            rows.append((row["key"], row["fund_source"], *amounts))
    return rows


def _funds_up_to(kept_funds, cutoffs: list) -> dict:
    """{cutoff: {source: (arrived, paid)}}: the money of the counties' kept fund totals
    (FundTotals, summed by source and month in the database) of the months up to each day
    (the days in order), summed once along the months."""
    rows = (
        kept_funds.values("source", "month")
        .annotate(arrived=Sum("arrived"), paid=Sum("paid"))
        .order_by("month")
    )
    rows = list(rows)
    running, position, summed = {}, 0, {}
    for cutoff in cutoffs:
        while position < len(rows) and rows[position]["month"] <= cutoff:
            row = rows[position]
            amounts = running.setdefault(row["source"], [ZERO, ZERO])
            amounts[0] += row["arrived"]
            amounts[1] += row["paid"]
            position += 1
        summed[cutoff] = {source: tuple(amounts) for source, amounts in running.items()}
    return summed


def _add_fund_row(figures: Figures, source: str, arrived: Decimal, paid: Decimal) -> None:
    figures.funds.arrived += arrived
    figures.funds.paid += paid
    row = _source_row(figures, source)
    row.arrived += arrived
    row.paid += paid


def _add_school_progress(children: dict, county: District, end, pending: bool) -> None:
    """Each school's progress, from the lines of the county's counted report."""
    report = counted_report(county_id=county.pk, ends_on=end, pending=pending)
    if report is None:
        return
    lines = standing_lines(report)
    projects = Project.objects.filter(
        school__county=county, programme=programme_of(report.year)
    ).values_list("pk", "school_id", "category")
    by_school_lines, by_school_projects = {}, {}
    for line in lines.values():
        by_school_lines.setdefault(line["project__school_id"], []).append(line)
    for project in projects.order_by():
        by_school_projects.setdefault(project[1], []).append(project)
    quantities = finished_quantities(
        [line["project_id"] for line in lines.values() if line["completed_on"] is not None]
    )
    for school_id, figures in children.items():
        figures.progress = progress_of(
            by_school_lines.get(school_id, []), by_school_projects.get(school_id, []), quantities
        )
        figures.reported_on = report.ends_on
        figures.pending = report.state != ReportState.APPROVED


def _rank(children: list[Figures], rank_by: str) -> list[Figures]:
    """Children by a rate, best first; those without the rate last; the last ones laggards."""
    with_rate = [child for child in children if getattr(child, rank_by) is not None]
    without = [child for child in children if getattr(child, rank_by) is None]
    with_rate.sort(key=lambda child: (-getattr(child, rank_by), child.code))
    for position, child in enumerate(with_rate, start=1):
        child.rank = position
    if len(with_rate) >= 2:
        laggards = max(1, math.floor(len(with_rate) * LAGGARD_SHARE))
        for child in with_rate[-laggards:]:
            if getattr(child, rank_by) < getattr(with_rate[0], rank_by):
                child.is_laggard = True
    return with_rate + without


def _alerts(
    *,
    user,
    county_names,
    district,
    projects,
    child_path,
    children,
    counties,
    reports,
    year,
    month,
    programme,
) -> list[Alert]:
    """What the city should look at in the month: reports missing or late, projects behind
    their schedule, funds held unpaid (滞留), rectifications overdue."""
    end = month_end(year, month)
    today = timezone.localdate()
    alerts = []
    at_county = district.level == DistrictLevel.COUNTY

    def subject(child_key):
        return children[child_key].label if child_key in children else ""

    def url(child_key):
        return children[child_key].url if child_key in children else ""

    # Reports: missing once the due date has passed; late.
    due = due_date(year, month, Half.WHOLE)
    tracker = f"{reverse('reports:tracker')}?{urlencode({'year': year, 'month': month})}"
    for county_id in sorted(counties, key=lambda pk: county_names[pk]):
        report = reports.get(county_id)
        if report is None or report.first_submitted_at is None:
            if today > due:
                alerts.append(Alert(_("Report missing"), county_names[county_id], 1, tracker))
        elif report.is_late:
            alerts.append(Alert(_("Report late"), county_names[county_id], 1, tracker))

    # Schedule: works not started after their plan year, equipment and IT not delivered
    # within their plan year, construction not completed by the programme's end.
    # A plan year is over once the month is its December or later.
    plan_over = Q(plan_year__lt=year + 1 if month == 12 else year)
    construction = Q(category=ProjectCategory.CONSTRUCTION)
    not_started = construction & (Q(started_on__isnull=True) | Q(started_on__gt=end))
    not_delivered = Q(category__in=EQUIPMENT_CATEGORIES) & (
        Q(delivered_on__isnull=True) | Q(delivered_on__gt=end)
    )
    schedule = {
        "behind": (plan_over & not_started, _("Not started after its plan year")),
        "equipment_late": (
            plan_over & not_delivered,
            _("Equipment or IT not delivered within its plan year"),
        ),
    }
    if end > datetime.date(PROGRAMME_YEARS[programme][1], 12, 31):
        schedule["past_end"] = (
            construction & (Q(completed_on__isnull=True) | Q(completed_on__gt=end)),
            _("Construction running past the programme's end"),
        )
    if at_county:
        for condition, kind in schedule.values():
            for project in projects.filter(condition).order_by("code").only("pk", "code", "name"):
                alerts.append(
                    Alert(kind, f"{project.code} {project.name}", 1, project.get_absolute_url())
                )
        held = _held_funds(projects, end)
        for project_id, code in (
            projects.filter(pk__in=held).order_by("code").values_list("pk", "code")
        ):
            alerts.append(
                Alert(
                    _("Funds held unpaid"),
                    code,
                    1,
                    reverse("funding:project_ledger", args=[project_id]),
                )
            )
    else:
        counts = (
            projects.values(key=F(child_path))
            .annotate(
                **{
                    name: Count("pk", filter=condition)
                    for name, (condition, _kind) in schedule.items()
                }
            )
            .order_by()
        )
        by_child = {row["key"]: row for row in counts}
        for name, (_condition, kind) in schedule.items():
            for key in children:
                count = by_child.get(key, {}).get(name, 0)
                if count:
                    alerts.append(Alert(kind, subject(key), count, url(key)))
        held_counts = {}
        for county, count in held_projects(counties=counties, programme=programme, end=end).items():
            held_counts[counties[county]] = held_counts.get(counties[county], 0) + count
        for key in children:
            if held_counts.get(key):
                alerts.append(
                    Alert(_("Funds held unpaid"), subject(key), held_counts[key], url(key))
                )

    overdue = (
        Finding.objects.visible_to(user)
        .filter(overdue_condition(end), responsible_county__in=counties.keys())
        .values("responsible_county")
        .annotate(count=Count("pk"))
        .order_by()
    )
    findings_url = reverse("inspections:finding_list")
    for row in overdue:
        county_id = row["responsible_county"]
        alerts.append(
            Alert(
                _("Rectification overdue"),
                county_names[county_id] if at_county else subject(counties[county_id]),
                row["count"],
                # The findings counted: the county's, overdue at the month's end.
                f"{findings_url}?{urlencode({'county': county_id, 'overdue_on': end})}",
            )
        )
    return alerts


def _held_funds(projects, end: datetime.date) -> RawSQL:
    """The ids of the projects holding funds that arrived more than GAIBO_HELD_FUNDS_DAYS
    before the day and are still unpaid by it (滞留), as a subquery."""
    cutoff = end - datetime.timedelta(days=settings.GAIBO_HELD_FUNDS_DAYS)
    sql, params = held_sql(projects, arrived_by=cutoff, paid_by=end)
    return RawSQL(f"SELECT project_id FROM ({sql}) held", params)


@dataclass
class ProjectRow:
    """One project of a school's dashboard: the project, its standing line, its money."""

    project: Project
    line: dict | None
    funds: LedgerRow

    @property
    def status_label(self) -> str:
        return str(ProjectStatus(self.line["status"]).label) if self.line else ""


@dataclass
class SchoolDashboard:
    school: School
    year: int
    month: int
    pending: bool
    headline: Figures
    projects: list
    report: Report | None


def school_dashboard(*, user, school: School, year: int, month: int, pending=False):
    """A school's figures for a month and each of its projects as the county's counted
    report has it."""
    end = month_end(year, month)
    programme = programme_of(year)
    where = {
        "school": school.pk,
        "school__county__in": District.objects.visible_to(user).values("pk"),
        "programme": programme,
    }
    projects = Project.objects.filter(**where)
    headline = Figures(label=school.name, code=school.code)
    plan = plan_sums("school", **where).get(school.pk)
    if plan is not None:
        _add_plan(headline, plan)
    money = {}
    for project_id, source, arrived, paid in _funds_of(projects, "pk", end):
        _add_fund_row(headline, source, arrived, paid)
        row = money.setdefault(project_id, LedgerRow(label=""))
        row.arrived += arrived
        row.paid += paid
    report = counted_report(county_id=school.county_id, ends_on=end, pending=pending)
    lines = {}
    project_list = list(projects.order_by("code"))
    if report is not None:
        lines = standing_lines(report, school_id=school.pk)
        headline.progress = progress_of(
            list(lines.values()), [(p.pk, p.school_id, p.category) for p in project_list]
        )
        headline.reported_on = report.ends_on
        headline.pending = report.state != ReportState.APPROVED
    rows = []
    for project in project_list:
        funds = money.get(project.pk, LedgerRow(label=""))
        funds.planned = project.planned_amount
        rows.append(ProjectRow(project=project, line=lines.get(project.pk), funds=funds))
    return SchoolDashboard(
        school=school,
        year=year,
        month=month,
        pending=pending,
        headline=headline,
        projects=rows,
        report=report,
    )


@dataclass
class SummaryRow:
    """A district's plan over a range of years, as a year-end summary (工作总结) gives it."""

    label: str
    code: str = ""
    investment: Decimal = ZERO
    projects: int = 0
    construction_projects: int = 0
    equipment_projects: int = 0
    it_projects: int = 0
    with_equipment: int = 0  # construction projects holding equipment lines
    floor_area: Decimal = ZERO
    construction_amount: Decimal = ZERO
    equipment_amount: Decimal = ZERO
    it_amount: Decimal = ZERO
    quantities: dict = field(default_factory=dict)

    SUMMED = (
        "investment",
        "projects",
        "construction_projects",
        "equipment_projects",
        "it_projects",
        "with_equipment",
        "floor_area",
        "construction_amount",
        "equipment_amount",
        "it_amount",
    )

    def add(self, other: "SummaryRow") -> None:
        for name in self.SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        add_quantities(self.quantities, other.quantities)

    def quantity(self, category: str) -> Decimal:
        return sum(self.quantities.get(category, {}).values(), Decimal(0))


@dataclass
class Summary:
    district: District
    first_year: int
    last_year: int
    rows: list
    total: SummaryRow


def year_end_summary(*, user, district: District, first_year: int, last_year: int) -> Summary:
    """The plan of a district over a range of plan years, a row per child district: total
    investment, projects by category, floor area, amounts, equipment quantities (3 queries)."""
    projects = Project.objects.visible_to(user).filter(
        school__county__in=district_subtree(district.pk),
        plan_year__gte=first_year,
        plan_year__lte=last_year,
    )
    if district.level == DistrictLevel.COUNTY:
        child_path, children = "school__county", {district.pk: district}
    else:
        child_path = _CHILD_OF_PROJECT[district.level]
        children = {
            child.pk: child
            for child in District.objects.visible_to(user).filter(parent=district).order_by("code")
        }
    rows = {pk: SummaryRow(label=child.name, code=child.code) for pk, child in children.items()}

    def amount(condition=None):
        return Coalesce(Sum("planned_amount", filter=condition), ZERO, output_field=DecimalField())

    grouped = (
        projects.values(key=F(child_path))
        .annotate(
            investment=amount(),
            projects=Count("pk"),
            construction_projects=Count("pk", filter=Q(category=ProjectCategory.CONSTRUCTION)),
            equipment_projects=Count("pk", filter=Q(category=ProjectCategory.EQUIPMENT)),
            it_projects=Count("pk", filter=Q(category=ProjectCategory.IT)),
            floor_area=Coalesce(Sum("planned_area"), ZERO, output_field=DecimalField()),
            construction_amount=amount(Q(category=ProjectCategory.CONSTRUCTION)),
            equipment_amount=amount(Q(category=ProjectCategory.EQUIPMENT)),
            it_amount=amount(Q(category=ProjectCategory.IT)),
        )
        .order_by()
    )
    for row in grouped:
        if row["key"] in rows:
            for name, value in row.items():
                if name != "key":
                    setattr(rows[row["key"]], name, value)
    with_equipment = (
        projects.filter(category=ProjectCategory.CONSTRUCTION, equipment_lines__isnull=False)
        .values(key=F(child_path))
        .annotate(count=Count("pk", distinct=True))
        .order_by()
    )
    for row in with_equipment:
        if row["key"] in rows:
            rows[row["key"]].with_equipment = row["count"]
    quantities = (
        EquipmentLine.objects.filter(project__in=projects)
        .values("category", "unit", key=F(f"project__{child_path}"))
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for row in quantities:
        if row["key"] in rows:
            add_quantities(
                rows[row["key"]].quantities, {row["category"]: {row["unit"]: row["total"]}}
            )
    total = SummaryRow(label=district.name, code=district.code)
    for row in rows.values():
        total.add(row)
    return Summary(
        district=district,
        first_year=first_year,
        last_year=last_year,
        rows=list(rows.values()),
        total=total,
    )
