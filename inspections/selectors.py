"""Reads of supervision, always through the access rule, and the aggregates of the overview.

Overdue is not stored: an unresolved finding (open, in progress or submitted) whose deadline
has passed is overdue, as of today in the bureaus' time zone (or as of a past day, for a
dashboard's month: not verified by then).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from gaibo.history import history_entries
from inspections.choices import UNRESOLVED_STATUSES, FindingAction, FindingStatus, VisitKind
from inspections.models import (
    CheckResult,
    EvidencePhoto,
    Finding,
    FindingEvent,
    Visit,
    VisitCounty,
    VisitPhoto,
)
from projects.models import District
from projects.selectors import counties_visible_to


def today() -> date:
    return timezone.localdate()


def overdue_condition(on: date | None = None) -> Q:
    """Overdue on a day (today by default): past its deadline and not verified. On a day
    before today, not verified by that day: a finding verified since was overdue then. (It
    existed then: its deadline, before the day, is not before its visit.)"""
    if on is None or on >= today():
        return Q(status__in=UNRESOLVED_STATUSES, deadline__lt=today())
    verified = FindingEvent.objects.filter(
        finding=OuterRef("pk"), action=FindingAction.VERIFIED, at__date__lte=on
    )
    return Q(deadline__lt=on) & ~Q(Exists(verified))


def visits_visible_to(*, user):
    """Visits the user sees, with their counties and the counts of the findings it sees."""
    findings = Finding.objects.visible_to(user).values("pk")
    return (
        Visit.objects.visible_to(user)
        .prefetch_related(Prefetch("counties", queryset=District.objects.order_by("code")))
        .annotate(
            finding_count=Count("findings", filter=Q(findings__in=findings), distinct=True),
            unresolved_count=Count(
                "findings",
                filter=Q(findings__in=findings, findings__status__in=UNRESOLVED_STATUSES),
                distinct=True,
            ),
        )
        .order_by("-visited_on", "-pk")
    )


def findings_visible_to(*, user):
    """Findings the user sees (a county: those addressed to it), each flagged when overdue;
    those still to be rectified first, the nearest deadline first."""
    return (
        Finding.objects.visible_to(user)
        .select_related("visit", "responsible_county", "school", "project")
        .annotate(
            is_overdue=Case(
                When(overdue_condition(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            is_resolved=Case(
                When(status__in=UNRESOLVED_STATUSES, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            ),
        )
        .order_by("is_resolved", "deadline", "pk")
    )


def visit_targets(*, visit) -> dict:
    return {
        "counties": visit.counties.order_by("code"),
        "schools": visit.schools.select_related("county").order_by("county__code", "code"),
        "projects": visit.projects.select_related("school").order_by("code"),
    }


def team_of(*, visit):
    return visit.team_members.all()


def check_results_of(*, visit):
    return visit.check_results.order_by("position")


def visit_photos_of(*, visit, user):
    return VisitPhoto.objects.visible_to(user).filter(visit=visit).select_related("finding")


def finding_photos_of(*, finding, user):
    return VisitPhoto.objects.visible_to(user).filter(finding=finding)


def finding_events_of(*, finding):
    return (
        FindingEvent.objects.filter(finding=finding)
        .select_related("actor")
        .prefetch_related(Prefetch("photos", queryset=EvidencePhoto.objects.order_by("pk")))
        .order_by("at", "pk")
    )


def visit_history(*, visit, user):
    """The visit's changes and those of its checklist results (not their copying)."""
    entries = history_entries(
        Visit.history.filter(id=visit.pk),
        CheckResult.history.filter(visit_id=visit.pk),
        user=user,
    )
    own = str(Visit._meta.verbose_name)
    return [entry for entry in entries if entry.subject == own or entry.changes]


@dataclass(frozen=True)
class Period:
    """A year, or a quarter or a month of it."""

    year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def months(self) -> range:
        if self.month:
            return range(self.month, self.month + 1)
        if self.quarter:
            return range(3 * self.quarter - 2, 3 * self.quarter + 1)
        return range(1, 13)

    @property
    def start(self) -> date:
        return date(self.year, self.months[0], 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        last = self.months[-1]
        return date(self.year + 1, 1, 1) if last == 12 else date(self.year, last + 1, 1)

    def __str__(self):
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.quarter:
            return _("Q%(quarter)s %(year)s") % {"year": self.year, "quarter": self.quarter}
        return str(self.year)


@dataclass
class KindCounts:
    label: str
    on_site: int = 0
    written: int = 0

    @property
    def total(self) -> int:
        return self.on_site + self.written


@dataclass
class CountyFindings:
    county: District
    visits: int = 0
    total: int = 0
    unresolved: int = 0
    overdue: int = 0
    submitted: int = 0
    resolved: int = 0


@dataclass
class Overview:
    period: Period
    in_period: KindCounts
    all_time: KindCounts
    by_month: list[KindCounts]
    by_quarter: list[KindCounts]
    counties: list[CountyFindings]
    totals: CountyFindings


def _kind_counts(prefix="") -> dict:
    return {
        f"{prefix}on_site": Count("pk", filter=Q(kind=VisitKind.ON_SITE)),
        f"{prefix}written": Count("pk", filter=Q(kind=VisitKind.WRITTEN)),
    }


def overview_years(*, user) -> tuple[list[int], int]:
    """The years to choose from (those with visits, and this year), and the one shown first:
    this year if it has visits, else the latest year that has."""
    years = {day.year for day in Visit.objects.visible_to(user).dates("visited_on", "year")}
    this_year = today().year
    shown = this_year if this_year in years or not years else max(years)
    return sorted(years | {this_year}, reverse=True), shown


def supervision_overview(*, user, period: Period) -> Overview:
    """Visits by kind in a period and by month and quarter of its year; findings per county.

    A fixed number of queries whatever the number of visits, findings or counties.
    """
    visits = Visit.objects.visible_to(user)
    in_period = Q(visited_on__gte=period.start, visited_on__lt=period.end)
    counts = visits.aggregate(
        on_site=Count("pk", filter=Q(kind=VisitKind.ON_SITE) & in_period),
        written=Count("pk", filter=Q(kind=VisitKind.WRITTEN) & in_period),
        all_on_site=Count("pk", filter=Q(kind=VisitKind.ON_SITE)),
        all_written=Count("pk", filter=Q(kind=VisitKind.WRITTEN)),
    )
    monthly = {
        row["month"]: row
        for row in visits.filter(visited_on__year=period.year)
        .annotate(month=ExtractMonth("visited_on"))
        .values("month")
        .annotate(**_kind_counts())
        .order_by("month")
    }
    by_month = [
        KindCounts(
            label=str(Period(period.year, month=month)),
            on_site=monthly.get(month, {}).get("on_site", 0),
            written=monthly.get(month, {}).get("written", 0),
        )
        for month in period.months
    ]
    by_quarter = []
    for quarter in range(1, 5):
        months = Period(period.year, quarter=quarter).months
        by_quarter.append(
            KindCounts(
                label=str(Period(period.year, quarter=quarter)),
                on_site=sum(monthly.get(m, {}).get("on_site", 0) for m in months),
                written=sum(monthly.get(m, {}).get("written", 0) for m in months),
            )
        )

    findings = {
        row["responsible_county"]: row
        for row in Finding.objects.visible_to(user)
        .values("responsible_county")
        .annotate(
            total=Count("pk"),
            unresolved=Count("pk", filter=Q(status__in=UNRESOLVED_STATUSES)),
            overdue=Count("pk", filter=overdue_condition()),
            submitted=Count("pk", filter=Q(status=FindingStatus.SUBMITTED)),
            resolved=Count(
                "pk", filter=Q(status__in=(FindingStatus.VERIFIED, FindingStatus.CLOSED))
            ),
        )
        .order_by()
    }
    county_visits = dict(
        VisitCounty.objects.filter(
            visit__in=visits.filter(in_period).values("pk"),
        )
        .values("county")
        .annotate(visits=Count("visit", distinct=True))
        .order_by()
        .values_list("county", "visits")
    )
    rows = []
    for county in counties_visible_to(user=user):
        row = findings.get(county.pk, {})
        rows.append(
            CountyFindings(
                county=county,
                visits=county_visits.get(county.pk, 0),
                total=row.get("total", 0),
                unresolved=row.get("unresolved", 0),
                overdue=row.get("overdue", 0),
                submitted=row.get("submitted", 0),
                resolved=row.get("resolved", 0),
            )
        )
    totals = CountyFindings(
        county=None,
        visits=counts["on_site"] + counts["written"],
        **{
            name: sum(getattr(row, name) for row in rows)
            for name in ("total", "unresolved", "overdue", "submitted", "resolved")
        },
    )
    return Overview(
        period=period,
        in_period=KindCounts(str(period), counts["on_site"], counts["written"]),
        all_time=KindCounts(_("All visits"), counts["all_on_site"], counts["all_written"]),
        by_month=by_month,
        by_quarter=by_quarter,
        counties=rows,
        totals=totals,
    )
