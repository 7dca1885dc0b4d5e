"""Reads of the money: ledgers at every level of the tree, and the warnings they raise."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from funding.choices import FundLevel
from funding.models import (
    Allocation,
    Arrival,
    FundingPlanLine,
    HeldFunds,
    Payment,
    PlanTotals,
)
from gaibo.access import district_subtree
from gaibo.history import history_entries
from gaibo.money import CENT, ZERO, wan_text
from projects.choices import EQUIPMENT_CATEGORIES, DistrictLevel, ProjectCategory
from projects.models import District, EquipmentLine, Project, School


def allocations_visible_to(*, user):
    return Allocation.objects.visible_to(user).select_related("recipient", "split_from")


def arrivals_visible_to(*, user):
    return Arrival.objects.visible_to(user).select_related("allocation", "project")


def payments_visible_to(*, user):
    return Payment.objects.visible_to(user).select_related("project")


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """A percentage with one decimal, or None where the whole is zero."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


@dataclass
class LedgerRow:
    """Planned, arrived and paid money of one project, one district or one source."""

    label: str
    url: str = ""
    planned: Decimal = ZERO
    plan_by_source: Decimal = ZERO
    arrived: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def unpaid(self) -> Decimal:
        return self.arrived - self.paid

    @property
    def not_arrived(self) -> Decimal:
        return self.planned - self.arrived

    @property
    def plan_gap(self) -> Decimal:
        """What the funding plan leaves without a source (不留资金缺口: should be zero)."""
        return self.planned - self.plan_by_source

    @property
    def arrival_rate(self):
        """资金到位率 = arrived ÷ planned."""
        return rate(self.arrived, self.planned)

    @property
    def payment_rate(self):
        """资金支出率 = paid ÷ arrived."""
        return rate(self.paid, self.arrived)

    def add(self, other: "LedgerRow") -> None:
        self.planned += other.planned
        self.plan_by_source += other.plan_by_source
        self.arrived += other.arrived
        self.paid += other.paid


@dataclass
class Ledger:
    district: District | None
    rows: list[LedgerRow]
    total: LedgerRow
    by_source: list[LedgerRow] = field(default_factory=list)


# How the projects of a district's ledger are grouped: one row per child of the district.
_GROUPING = {
    DistrictLevel.COUNTY: "pk",
    DistrictLevel.CITY: "school__county",
    DistrictLevel.PROVINCE: "school__county__parent",
}


def _sums(queryset, key: str, amount: str = "amount") -> dict:
    return {
        row["key"]: row["total"]
        for row in queryset.values(key=F(key)).annotate(total=Coalesce(Sum(amount), ZERO))
    }


def ledger_for(*, user, district: District) -> Ledger:
    """The ledger of a district: a row per county of a city (per city of a province, per project
    of a county) with planned, arrived and paid money; totals; and the same by source.

    A fixed number of grouped queries whatever the number of projects.
    """
    projects = Project.objects.visible_to(user).filter(
        school__county__in=district_subtree(district.pk)
    )
    key = _GROUPING[district.level]
    related_key = "project" if key == "pk" else f"project__{key}"
    plans = FundingPlanLine.objects.filter(project__in=projects)
    arrivals = Arrival.objects.filter(project__in=projects)
    payments = Payment.objects.filter(project__in=projects)

    planned = _sums(projects, key, "planned_amount")
    plan_by_source = _sums(plans, related_key)
    arrived = _sums(arrivals, related_key)
    paid = _sums(payments, related_key)
    if key == "pk":
        labels = {p.pk: (f"{p.code} {p.name}", p) for p in projects.only("pk", "code", "name")}
    else:
        children = District.objects.filter(pk__in=planned.keys())
        labels = {d.pk: (d.name, d) for d in children}
    rows = []
    for pk, (label, obj) in sorted(labels.items(), key=lambda item: item[1][0]):
        rows.append(
            LedgerRow(
                label=label,
                url=_ledger_url(obj),
                planned=planned.get(pk, ZERO),
                plan_by_source=plan_by_source.get(pk, ZERO),
                arrived=arrived.get(pk, ZERO),
                paid=paid.get(pk, ZERO),
            )
        )
    total = LedgerRow(label=_("Total"))
    for row in rows:
        total.add(row)
    return Ledger(
        district=district,
        rows=rows,
        total=total,
        by_source=_by_source(plans, arrivals, payments),
    )


def _ledger_url(obj) -> str:
    if isinstance(obj, Project):
        return reverse("funding:project_ledger", args=[obj.pk])
    return f"{reverse('funding:ledger')}?district={obj.code}"


def _by_source(plans, arrivals, payments) -> list[LedgerRow]:
    planned = _sums(plans, "source")
    arrived = _sums(arrivals, "allocation__source")
    paid = _sums(payments, "source")
    rows = []
    for source in FundLevel:
        if source in planned or source in arrived or source in paid:
            rows.append(
                LedgerRow(
                    label=source.label,
                    planned=planned.get(source, ZERO),
                    plan_by_source=planned.get(source, ZERO),
                    arrived=arrived.get(source, ZERO),
                    paid=paid.get(source, ZERO),
                )
            )
    return rows


def allocation_totals(*, allocation: Allocation) -> dict:
    """已预下达 / 本次下达 / 合计下达: what the same district received of the same source and
    budget year before this tranche, this tranche, and both together."""
    earlier = Allocation.objects.filter(
        recipient_id=allocation.recipient_id,
        source=allocation.source,
        year=allocation.year,
    ).filter(
        Q(issued_on__lt=allocation.issued_on)
        | Q(issued_on=allocation.issued_on, pk__lt=allocation.pk)
    )
    before = earlier.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    return {"before": before, "this": allocation.amount, "total": before + allocation.amount}


def project_ledger(*, project: Project) -> Ledger:
    """One project's money by source, with its arrivals and payments."""
    plans = FundingPlanLine.objects.filter(project=project)
    arrivals = Arrival.objects.filter(project=project)
    payments = Payment.objects.filter(project=project)
    by_source = _by_source(plans, arrivals, payments)
    total = LedgerRow(label=_("Total"), planned=project.planned_amount)
    for row in by_source:
        total.plan_by_source += row.plan_by_source
        total.arrived += row.arrived
        total.paid += row.paid
    return Ledger(district=None, rows=by_source, total=total, by_source=by_source)


def allocation_history(*, allocation: Allocation, user):
    return history_entries(Allocation.history.filter(id=allocation.pk), user=user)


def project_money_history(*, project: Project, user):
    return history_entries(
        None,
        FundingPlanLine.history.filter(project_id=project.pk),
        Arrival.history.filter(project_id=project.pk),
        Payment.history.filter(project_id=project.pk),
        user=user,
    )


def held_sql(projects, *, arrived_by: date, paid_by: date | None = None) -> tuple[str, list]:
    """Funds held unpaid (滞留), as one statement to run or nest: a row (project_id, source,
    held) per project and source where what arrived by a day is more than what was paid by
    another day (or ever). Arrivals and payments are summed together (payments negative) in
    the database, so only the rows held come back."""
    try:
        ids, ids_params = projects.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # no project at all (an empty list of ids)
        ids, ids_params = f"SELECT id FROM {Project._meta.db_table} WHERE 1 = 0", ()
    arrival, allocation, payment = (
        Arrival._meta.db_table,
        Allocation._meta.db_table,
        Payment._meta.db_table,
    )
    paid_by_condition = "AND p.paid_on <= %s" if paid_by is not None else ""
    sql = f"""
        WITH ids (id) AS ({ids})
        SELECT project_id, source, SUM(amount) AS held FROM (
            SELECT a.project_id, al.source, a.amount
            FROM {arrival} a
            JOIN {allocation} al ON al.id = a.allocation_id
            JOIN ids ON ids.id = a.project_id
            WHERE a.arrived_on <= %s
            UNION ALL
            SELECT p.project_id, p.source, -p.amount
            FROM {payment} p
            JOIN ids ON ids.id = p.project_id
            WHERE 1 = 1 {paid_by_condition}
        ) money
        GROUP BY project_id, source
        HAVING SUM(amount) >= {HALF_FEN}
    """
    params = [*ids_params, arrived_by]
    if paid_by is not None:
        params.append(paid_by)
    return sql, params


# Held means a fen at least: on SQLite the sums are floating point, where 0.1 + 0.2 - 0.3 > 0.
# (A literal in the statement: SQLite compares a number below any text parameter.)
HALF_FEN = CENT / 2


def held_funds(projects, *, arrived_by: date, paid_by: date | None = None) -> dict:
    """The same as {(project, source): amount held}."""
    sql, params = held_sql(projects, arrived_by=arrived_by, paid_by=paid_by)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (project_id, source): Decimal(str(held)).quantize(CENT)
            for project_id, source, held in cursor.fetchall()
        }


# The plan's figures summed by plan_sums and kept in PlanTotals, besides its sources and
# quantities.
PLAN_COUNTS = (
    "projects",
    "construction_projects",
    "equipment_projects",
    "it_projects",
    "early_projects",
    "schools",
)
PLAN_AMOUNTS = ("planned_area", "planned_amount", "planned_equipment")


def plan_sums(key_path: str, **where) -> dict:
    """{key: the plan of the projects filtered by `where`, summed by a path from the project
    ("school__county", "school", …)}: a dict of PLAN_COUNTS and PLAN_AMOUNTS, with "sources"
    {source: amount} of the funding plans and "quantities" {category: {unit: quantity}} of the
    equipment lines. Three statements; the lines are filtered through their project in the same
    join, not by a subquery of the projects."""

    def total(name, condition=None):
        return Coalesce(Sum(name, filter=condition), ZERO, output_field=DecimalField())

    sums = {}
    rows = (
        Project.objects.filter(**where)
        .values(key=F(key_path))
        .annotate(
            projects=Count("pk"),
            construction_projects=Count("pk", filter=Q(category=ProjectCategory.CONSTRUCTION)),
            equipment_projects=Count("pk", filter=Q(category=ProjectCategory.EQUIPMENT)),
            it_projects=Count("pk", filter=Q(category=ProjectCategory.IT)),
            early_projects=Count("pk", filter=Q(is_early=True)),
            schools=Count("school", distinct=True),
            # (named apart from the fields they sum, which an annotation may not shadow)
            area_sum=total("planned_area"),
            amount_sum=total("planned_amount"),
            equipment_sum=total("planned_amount", Q(category__in=EQUIPMENT_CATEGORIES)),
        )
        .order_by()
    )
    for row in rows:
        key = row.pop("key")
        row["planned_area"] = row.pop("area_sum")
        row["planned_amount"] = row.pop("amount_sum")
        row["planned_equipment"] = row.pop("equipment_sum")
        sums[key] = {**row, "sources": {}, "quantities": {}}
    of_projects = {f"project__{lookup}": value for lookup, value in where.items()}
    quantities = (
        EquipmentLine.objects.filter(**of_projects)
        .values("category", "unit", key=F(f"project__{key_path}"))
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for row in quantities:
        if row["key"] in sums:
            units = sums[row["key"]]["quantities"].setdefault(row["category"], {})
            units[row["unit"]] = row["total"]
    plans = (
        FundingPlanLine.objects.filter(**of_projects)
        .values("source", key=F(f"project__{key_path}"))
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in plans:
        if row["key"] in sums:
            sums[row["key"]]["sources"][row["source"]] = row["total"]
    return sums


def kept_plan_sums(*, counties, programme: str) -> dict:
    """{county: its plan of the programme, as plan_sums gives it}, from the kept rows
    (PlanTotals, one statement); a county without a row is summed from its projects (three
    more statements for all those)."""
    sums = {}
    for totals in PlanTotals.objects.filter(county__in=counties, programme=programme):
        sums[totals.county_id] = {
            **{name: getattr(totals, name) for name in PLAN_COUNTS + PLAN_AMOUNTS},
            "sources": {source: Decimal(amount) for source, amount in totals.sources.items()},
            "quantities": {
                category: {unit: Decimal(quantity) for unit, quantity in units.items()}
                for category, units in totals.quantities.items()
            },
        }
    missing = [county for county in counties if county not in sums]
    if missing:
        sums.update(plan_sums("school__county", school__county__in=missing, programme=programme))
    return sums


def held_projects(*, counties, programme: str, end: date) -> dict:
    """{county: how many of its projects of the programme hold funds unpaid (滞留) at a month's
    end}, from the kept rows (HeldFunds, one statement). A county without kept rows for the
    month and the current GAIBO_HELD_FUNDS_DAYS (a setting changed since they were kept) is
    counted from its records instead, in one more statement."""
    days = settings.GAIBO_HELD_FUNDS_DAYS
    month = end.replace(day=1)
    counts = dict(
        HeldFunds.objects.filter(county__in=counties, programme=programme, days=days)
        .filter(Q(month=month) | Q(month__lt=month, is_last=True))
        .values_list("county", "projects")
        .order_by()
    )
    missing = [county for county in counties if county not in counts]
    if missing:
        counts.update(dict.fromkeys(missing, 0))
        projects = Project.objects.filter(school__county__in=missing, programme=programme)
        sql, params = held_sql(projects, arrived_by=end - timedelta(days=days), paid_by=end)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT s.county_id, COUNT(DISTINCT held.project_id)
                FROM ({sql}) held
                JOIN {Project._meta.db_table} p ON p.id = held.project_id
                JOIN {School._meta.db_table} s ON s.id = p.school_id
                GROUP BY s.county_id""",
                params,
            )
            counts.update(dict(cursor.fetchall()))
    return counts


@dataclass
class Warning:
    kind: str
    message: str
    url: str


def funding_warnings(*, user, district: District, today: date | None = None) -> list[Warning]:
    """What the money of a district's projects gives cause to look at:

    funds held unpaid too long (滞留), payments without a voucher, the same school and content
    funded twice in the same year (重复交叉), and funding plans with a gap (资金缺口).
    """
    today = today or date.today()
    projects = Project.objects.visible_to(user).filter(
        school__county__in=district_subtree(district.pk)
    )
    warnings = []

    cutoff = today - timedelta(days=settings.GAIBO_HELD_FUNDS_DAYS)
    held = held_funds(projects, arrived_by=cutoff)
    codes = dict(projects.filter(pk__in={p for p, _s in held}).values_list("pk", "code"))
    for (project_id, source), amount in sorted(held.items()):
        warnings.append(
            Warning(
                kind=_("Funds held"),
                message=_(
                    "%(code)s: %(amount)s (10,000 yuan) of %(source)s funds arrived more than "
                    "%(days)s days ago and are still unpaid."
                )
                % {
                    "code": codes[project_id],
                    "amount": wan_text(amount),
                    "source": FundLevel(source).label,
                    "days": settings.GAIBO_HELD_FUNDS_DAYS,
                },
                url=reverse("funding:project_ledger", args=[project_id]),
            )
        )

    for payment in Payment.objects.filter(project__in=projects, voucher_number="").select_related(
        "project"
    ):
        warnings.append(
            Warning(
                kind=_("No voucher"),
                message=_(
                    "%(code)s: the payment of %(amount)s (10,000 yuan) on %(day)s has no voucher."
                )
                % {
                    "code": payment.project.code,
                    "amount": wan_text(payment.amount),
                    "day": payment.paid_on,
                },
                url=reverse("funding:project_ledger", args=[payment.project_id]),
            )
        )

    twins = (
        projects.values("school", "category", "construction_kind", "plan_year")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
    )
    twin_filter = Q()
    for twin in twins:
        twin_filter |= Q(**{k: twin[k] for k in ("school", "category", "construction_kind")}) & Q(
            plan_year=twin["plan_year"]
        )
    if twins:
        groups = {}
        for project in projects.filter(twin_filter).select_related("school").order_by("code"):
            key = (
                project.school_id,
                project.category,
                project.construction_kind,
                project.plan_year,
            )
            groups.setdefault(key, []).append(project)
        for group in groups.values():
            warnings.append(
                Warning(
                    kind=_("Funded twice"),
                    message=_("%(school)s: %(codes)s fund the same content in the same year.")
                    % {
                        "school": group[0].school.name,
                        "codes": "、".join(p.code for p in group),
                    },
                    url=reverse("funding:project_ledger", args=[group[0].pk]),
                )
            )

    gaps = projects.annotate(plan_by_source=Coalesce(Sum("funding_plan__amount"), ZERO)).exclude(
        plan_by_source=F("planned_amount")
    )
    for project in gaps.order_by("code"):
        warnings.append(
            Warning(
                kind=_("Funding gap"),
                message=_(
                    "%(code)s: the funding plan names %(named)s of %(planned)s (10,000 yuan); "
                    "%(gap)s have no source."
                )
                % {
                    "code": project.code,
                    "named": wan_text(project.plan_by_source),
                    "planned": wan_text(project.planned_amount),
                    "gap": wan_text(project.planned_amount - project.plan_by_source),
                },
                url=reverse("funding:project_ledger", args=[project.pk]),
            )
        )
    return warnings
