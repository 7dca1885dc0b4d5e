"""The synthetic province of manage.py generate_province (dashboard/synthetic.py), tiny: its
data passes the database constraints and the services' rules, its dashboards add up from the
counties to the cities to the province, and a second run is refused without changing
anything."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.translation import gettext as _

from dashboard import selectors
from dashboard.synthetic import Scale, SyntheticError, audit, generate
from funding.models import (
    Allocation,
    Arrival,
    FundingPlanLine,
    FundTotals,
    HeldFunds,
    Payment,
    PlanTotals,
)
from funding.selectors import held_funds, held_projects
from gaibo.models import User
from projects.choices import Programme
from projects.models import District, EquipmentLine, Project, School
from reports.choices import ReportState
from reports.models import Report, ReportLine, ReportTotals

pytestmark = pytest.mark.django_db

ARGS = [
    "--counties=4",
    "--cities=2",
    "--schools-per-county=5",
    "--projects-per-school=4",
    "--months=3",
    "--end=2025-12",
    "--seed=7",
]
MODELS = (
    District,
    School,
    Project,
    EquipmentLine,
    FundingPlanLine,
    Allocation,
    Arrival,
    Payment,
    Report,
    ReportLine,
    ReportTotals,
    User,
)


@pytest.fixture
def province():
    out = io.StringIO()
    call_command("generate_province", *ARGS, stdout=out)
    assert "990000" in out.getvalue() and "report totals (service)" in out.getvalue()
    return District.objects.get(code="990000")


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def headline(dashboard):
    figures = dashboard.headline
    return {
        "projects": figures.projects,
        "schools": figures.schools,
        "planned_area": figures.planned_area,
        "planned_equipment": figures.planned_equipment,
        "planned": figures.funds.planned,
        "plan_by_source": figures.funds.plan_by_source,
        "arrived": figures.funds.arrived,
        "paid": figures.funds.paid,
        "lines": figures.progress.lines,
        "started_area": figures.progress.started_area,
        "completed_area": figures.progress.completed_area,
        "investment": figures.progress.investment,
        "equipment_investment": figures.progress.equipment_investment,
        "construction_started": figures.progress.construction_started,
        "schools_completed": figures.progress.schools_completed,
        "counties": figures.counties,
        "counties_reported": figures.counties_reported,
    }


def summed(dashboards):
    total = {}
    for dashboard in dashboards:
        for name, value in headline(dashboard).items():
            total[name] = total.get(name, 0) + value
    return total


def test_the_data_passes_the_constraints_and_the_rules(province):
    counties = District.objects.filter(parent__parent=province)
    assert District.objects.filter(parent=province).count() == 2 and counties.count() == 4
    assert School.objects.filter(county__in=counties).count() == 20
    projects = Project.objects.filter(school__county__in=counties)
    assert projects.count() == 80
    assert {p.category for p in projects} == {"construction", "equipment", "it"}
    # The database holds the check constraints on every row it took (SQLite and PostgreSQL
    # alike); the model's validation (field validators, choices, constraints) on a sample of
    # each table (a Project has ~60 check constraints, each a query in full_clean).
    for model in (School, Project, EquipmentLine, FundingPlanLine, Report, ReportLine, Payment):
        rows = list(model.objects.filter(**{f"{model.DISTRICT_LOOKUP}__in": counties}))
        for row in rows[:: max(1, len(rows) // 8)]:
            row.full_clean()
    # The services' rules: statuses, plans, tranches, paid ≤ arrived, every report line.
    assert audit(province) == []
    # The last month: of the 4 counties, the first approved, one missing, one submitted, one
    # confirmed; earlier months approved; every counted report keeps its totals.
    last = Report.objects.filter(county__in=counties, year=2025, month=12)
    assert sorted(last.values_list("state", flat=True)) == sorted(
        [ReportState.APPROVED, ReportState.SUBMITTED, ReportState.CONFIRMED]
    )
    assert last.get(county__code="990101").state == ReportState.APPROVED
    earlier = Report.objects.filter(county__in=counties, month__in=(10, 11))
    assert earlier.count() == 8 and {r.state for r in earlier} == {ReportState.APPROVED}
    assert ReportTotals.objects.filter(report__county__in=counties).count() == 11
    assert ReportLine.objects.filter(report__county__in=counties).exists()
    users = {u.username: u for u in User.objects.filter(username__startswith="synth_")}
    assert users["synth_city"].district.code == "990100"
    assert users["synth_county"].district.code == "990101"
    assert users["synth_city"].check_password("synth-password")


@pytest.mark.parametrize("pending", [False, True])
def test_the_province_is_the_sum_of_its_cities_and_of_its_counties(province, pending):
    user = User.objects.get(username="synth_province")

    def board(district):
        return selectors.district_dashboard(
            user=user, district=district, year=2025, month=12, pending=pending
        )

    whole = board(province)
    cities = [board(city) for city in District.objects.filter(parent=province)]
    counties = [board(county) for county in District.objects.filter(parent__parent=province)]
    figures = headline(whole)
    assert figures == summed(cities) == summed(counties)
    assert figures["projects"] == 80 and figures["counties"] == 4
    assert figures["planned"] == figures["plan_by_source"] > 0
    assert 0 < figures["paid"] <= figures["arrived"] <= figures["planned"]
    assert 0 < figures["completed_area"] <= figures["started_area"] <= figures["planned_area"]
    # One county is missing December; without pending two more are not counted for it.
    assert figures["counties_reported"] == (3 if pending else 1)
    by_code = {child.code: child for child in whole.children}
    for city in cities:
        assert by_code[city.node.code].progress.started_area == city.headline.progress.started_area
        assert by_code[city.node.code].funds.arrived == city.headline.funds.arrived
    # The totals kept by the service are what the county's schools add up to.
    for county in counties:
        schools = sum((s.progress.started_area for s in county.children), Decimal(0))
        assert schools == county.headline.progress.started_area


def test_funds_held_unpaid_agree_with_the_records_every_month(province):
    # 滞留 as kept per county and month by the funding services (HeldFunds), against the
    # records counted afresh for each month's end, and the dashboard's alerts against both.
    counties = list(District.objects.filter(parent__parent=province).values_list("pk", flat=True))
    days = settings.GAIBO_HELD_FUNDS_DAYS
    kept_rows = HeldFunds.objects.filter(county__in=counties, programme=Programme.CAPACITY)
    assert set(kept_rows.filter(days=days).values_list("county", flat=True)) == set(counties)
    for month in range(1, 13):
        end = selectors.month_end(2025, month)
        kept = held_projects(counties=counties, programme=Programme.CAPACITY, end=end)
        for county in counties:
            projects = Project.objects.filter(school__county=county, programme=Programme.CAPACITY)
            held = held_funds(projects, arrived_by=end - timedelta(days=days), paid_by=end)
            assert kept[county] == len({project for project, _source in held}), (county, month)
    assert sum(kept.values()) > 0
    user = User.objects.get(username="synth_province")
    dashboard = selectors.district_dashboard(user=user, district=province, year=2025, month=12)
    alerted = sum(a.count for a in dashboard.alerts if str(a.kind) == _("Funds held unpaid"))
    assert alerted == sum(kept.values())


def test_refresh_totals_sums_the_same_totals_again(province):
    # What generation kept through the services is what `manage.py refresh_totals` sums afresh.
    def kept():
        return {
            model.__name__: sorted(
                tuple(str(value) for value in row.values())
                for row in model.objects.values(
                    *[
                        f.attname
                        for f in model._meta.fields
                        if f.attname not in ("id", "computed_at")
                    ]
                )
            )
            for model in (FundTotals, HeldFunds, PlanTotals, ReportTotals)
        }

    before = kept()
    for model in (FundTotals, HeldFunds, PlanTotals, ReportTotals):
        model.objects.all().delete()
    out = io.StringIO()
    call_command("refresh_totals", stdout=out)
    assert "11 report totals" in out.getvalue()
    assert kept() == before and all(before.values())


def test_a_second_run_is_refused_and_changes_nothing(province):
    before = counts()
    with pytest.raises(CommandError, match="exists already"):
        call_command("generate_province", *ARGS, stdout=io.StringIO())
    with pytest.raises(SyntheticError, match="exists already"):
        generate(Scale(counties=1, schools_per_county=1, months=1, code="990000"), log=str)
    with pytest.raises(SyntheticError, match="users .* exist already"):
        generate(Scale(counties=1, schools_per_county=1, months=1, code="970000"), log=str)
    assert counts() == before


def test_impossible_scales_are_refused(db):
    with pytest.raises(CommandError, match="before the programme"):
        call_command("generate_province", "--months=120", stdout=io.StringIO())
    with pytest.raises(CommandError, match="has not ended"):
        call_command("generate_province", "--end=2999-01", stdout=io.StringIO())
    with pytest.raises(CommandError, match="ending in 0000"):
        call_command("generate_province", "--code=991234", stdout=io.StringIO())
    assert not District.objects.exists()
