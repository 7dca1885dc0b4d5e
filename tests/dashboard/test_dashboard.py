"""The dashboard of a province, a city, a county and a school: figures from the approved
(or pending) reports and the funding records, in agreement at every level; ranking, trend,
alerts; the JSON, the .xlsx and the bulletin; access and bad input."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _
from docx import Document
from openpyxl import load_workbook

from dashboard import selectors
from funding import services as funding_services
from funding.models import PlanTotals
from funding.selectors import ledger_for
from inspections import services as inspections
from inspections.choices import FindingAction
from inspections.models import ChecklistItem, FindingEvent
from reports.models import ReportTotals
from tests.factories import PASSWORD, ProjectFactory, SchoolFactory
from tests.inspections.factories import checklist, make_finding, make_visit

pytestmark = pytest.mark.django_db


def login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def board(user, district, pending=False, month=5):
    return selectors.district_dashboard(
        user=user, district=district, year=2024, month=month, pending=pending
    )


def by_code(dashboard):
    return {child.code: child for child in dashboard.children}


def test_city_counts_approved_reports_only_unless_pending_is_asked(may, tree, users):
    approved = board(users.city, tree.city)
    children = by_code(approved)
    assert children["210881"].progress.started_area == Decimal("1200")
    assert children["210881"].start_rate == Decimal("50.0")  # 1,200 of 2,400 m²
    assert children["210882"].reported_on is None and children["210882"].start_rate is None
    assert approved.headline.progress.started_area == Decimal("1200")
    assert approved.headline.start_rate == Decimal("33.3")  # of 3,600 m²
    assert approved.headline.counties_reported == 1 and approved.headline.counties == 2

    pending = board(users.city, tree.city, pending=True)
    assert by_code(pending)["210882"].pending is True
    assert pending.headline.progress.started_area == Decimal("1500")
    assert pending.headline.start_rate == Decimal("41.7")


def test_figures_agree_from_school_to_province(may, tree, users):
    county = board(users.city, tree.gaizhou, pending=True)
    city = board(users.city, tree.city, pending=True)
    province = board(users.province, tree.province, pending=True)
    schools = sum((child.progress.started_area for child in county.children), Decimal(0))
    assert schools == county.headline.progress.started_area == Decimal("1200")
    gaizhou = by_code(city)["210881"]
    for name in ("started_area", "completed_area", "investment", "equipment_investment"):
        assert getattr(county.headline.progress, name) == getattr(gaizhou.progress, name)
    assert county.headline.funds.arrived == gaizhou.funds.arrived == Decimal("2000000.00")
    assert county.headline.planned_area == gaizhou.planned_area
    yingkou = by_code(province)["210800"]
    for name in ("started_area", "investment", "lines"):
        assert getattr(yingkou.progress, name) == getattr(city.headline.progress, name)
    assert yingkou.funds.planned == city.headline.funds.planned
    assert province.headline.projects == sum(child.projects for child in province.children)
    # The county's kept totals are its report's lines summed.
    totals = ReportTotals.objects.get(report=may.gaizhou)
    assert totals.started_area == Decimal("1200") and totals.investment == Decimal("1200000")
    assert totals.construction_started == 1 and totals.schools_started == 1
    # The money agrees with the ledger (no record after May 2024).
    ledger = ledger_for(user=users.city, district=tree.city)
    assert city.headline.funds.arrived == ledger.total.arrived
    assert city.headline.funds.paid == ledger.total.paid == Decimal("500000.00")
    assert city.headline.funds.planned == ledger.total.planned


def test_a_school_shows_its_projects_as_the_report_has_them(may, tree, users):
    school = selectors.school_dashboard(
        user=users.gaizhou, school=tree.schools["210881"], year=2024, month=5
    )
    rows = {row.project.code: row for row in school.projects}
    assert rows[may.building.code].line["started_area"] == Decimal("1200.00")
    assert rows["LATE-1"].line is None  # planned for 2023, not in May's report
    assert school.headline.progress.started_area == Decimal("1200")
    assert rows[may.building.code].funds.arrived == Decimal("2000000.00")


def test_ranking_names_the_laggards(may, tree, users):
    dashboard = selectors.district_dashboard(
        user=users.city, district=tree.city, year=2024, month=5, pending=True, rank_by="start_rate"
    )
    assert [child.code for child in dashboard.children] == ["210881", "210882"]
    assert [child.code for child in dashboard.laggards] == ["210882"]
    assert dashboard.children[0].rank == 1 and not dashboard.children[0].is_laggard


def test_trend_is_empty_before_the_first_report(may, tree, users):
    dashboard = board(users.city, tree.city)
    april, may_point = dashboard.trend[-2], dashboard.trend[-1]
    assert (april.year, april.month) == (2024, 4) and april.figures.start_rate is None
    assert may_point.figures.start_rate == Decimal("33.3")
    assert april.figures.arrival_rate == may_point.figures.arrival_rate  # money of 2022
    assert dashboard.trend[0].label == "2022-06"  # 24 months


def test_alerts(may, tree, users):
    county = board(users.gaizhou, tree.gaizhou)
    kinds = {(str(alert.kind), alert.subject) for alert in county.alerts}
    assert (_("Not started after its plan year"), f"LATE-1 {may.late_building.name}") in kinds
    assert (
        _("Equipment or IT not delivered within its plan year"),
        f"LATE-EQ {may.late_equipment.name}",
    ) in kinds
    assert (_("Funds held unpaid"), may.building.code) in kinds
    city = board(users.city, tree.city)
    counts = {(str(alert.kind), alert.subject): alert.count for alert in city.alerts}
    assert counts[(_("Not started after its plan year"), "盖州市")] == 1
    assert counts[(_("Funds held unpaid"), "盖州市")] == 1
    province = board(users.province, tree.province)
    missing = {alert.subject for alert in province.alerts if str(alert.kind) == _("Report missing")}
    assert missing == {"海城市"}  # 大石桥市 submitted; the due date of May 2024 is long past


@pytest.mark.parametrize("level", ["city", "county"])
def test_query_count_does_not_grow_with_the_data(may, tree, users, level):
    user, district = (users.city, tree.city) if level == "city" else (users.gaizhou, tree.gaizhou)

    def count():
        with CaptureQueriesContext(connection) as queries:
            board(user, district, pending=True)
        return len(queries)

    before = count()
    for county in (tree.gaizhou, tree.dashiqiao):
        for _number in range(5):
            school = SchoolFactory(county=county)
            ProjectFactory(school=school, plan_year=2023)
            ProjectFactory.equipment(school=school, plan_year=2024)
    assert count() == before


def test_the_page_shows_figures_charts_and_no_script(may, client, users):
    response = login(client, users.city).get(
        "/dashboard/?district=210800&month=2024-05&pending=1&rank=start_rate"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "polyline" in page and "<script" not in page
    assert 'data-code="210882"' in page and 'class="laggard"' in page
    # 大石桥市's row: its start rate (300 of 1,200 m², not yet approved) in the ranked column.
    row = re.search(r'<tr class="laggard" data-code="210882">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="num ranked">25.0%</td>' in row
    assert row.count("ranked") == 1
    assert '2024-05 <span class="tag">未审批</span>' in row
    assert "/dashboard/?district=210881" in page  # drill-down to the county
    county = client.get("/dashboard/?district=210881&month=2024-05").content.decode()
    assert f"/dashboard/schools/{may.building.school.code}/" in county  # … to the school
    school = client.get(f"/dashboard/schools/{may.building.school.code}/?month=2024-05")
    assert may.building.get_absolute_url() in school.content.decode()  # … to the project


def test_json_serves_the_same_figures(may, client, users, tree):
    data = login(client, users.city).get("/dashboard/api/?district=210800&month=2024-05").json()
    dashboard = board(users.city, tree.city)
    assert data["headline"]["start_rate"] == str(dashboard.headline.start_rate) == "33.3"
    assert data["headline"]["started_area"] == "1200.00"
    assert data["headline"]["arrived_funds"] == "2000000.00"
    assert [child["code"] for child in data["children"]] == [c.code for c in dashboard.children]
    assert len(data["trend"]) == 24 and data["trend"][-1]["month"] == "2024-05"
    assert {"kind", "subject", "count"} <= set(data["alerts"][0])
    school = client.get(f"/dashboard/api/?school={may.building.school.code}&month=2024-05").json()
    assert school["headline"]["started_area"] == "1200.00"


def test_exports_keep_numbers_numeric(may, client, users):
    response = login(client, users.city).get(
        "/dashboard/dashboard.xlsx?district=210800&month=2024-05"
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 6
    indicators = list(workbook.worksheets[0].iter_rows(values_only=True))
    header = indicators[0]
    gaizhou = next(row for row in indicators if row[1] == "210881")
    assert gaizhou[header.index(_("Start rate (%)"))] == 50
    assert gaizhou[header.index(_("Funds arrived (10,000 yuan)"))] == 200


def test_bulletin_writes_the_figures_as_sentences(may, client, users):
    response = login(client, users.city).get(
        "/dashboard/bulletin.docx?district=210800&month=2024-05&pending=1&rank=start_rate"
    )
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "营口市" in text and "41.7%" in text and "大石桥市" in text
    ranking = document.tables[0]
    assert [row.cells[1].text for row in ranking.rows[1:]] == ["盖州市", "大石桥市"]


def test_access_stops_at_the_users_county(may, client, users, tree):
    login(client, users.gaizhou)
    assert client.get("/dashboard/").context["dashboard"].node == tree.gaizhou
    assert client.get("/dashboard/?district=210882").status_code == 404
    assert client.get("/dashboard/?district=210800").status_code == 404
    assert client.get("/dashboard/api/?district=210882").status_code == 404
    assert client.get("/dashboard/bulletin.docx?district=210800").status_code == 404
    other = tree.schools["210882"].code
    assert client.get(f"/dashboard/schools/{other}/").status_code == 404
    assert client.get(f"/dashboard/api/?school={other}").status_code == 404
    assert (
        client.get(
            "/dashboard/api/summary/?district=210882&first_year=2021&last_year=2025"
        ).status_code
        == 404
    )
    client.logout()
    assert client.get("/dashboard/").status_code == 302


def test_bad_parameters_are_explained(may, client, users):
    login(client, users.city)
    response = client.get("/dashboard/api/?district=210800&month=2024-13")
    assert response.status_code == 400
    assert "month" in response.json()["errors"]
    page = client.get("/dashboard/?district=210800&month=May")
    assert page.status_code == 400 and "YYYY-MM" in page.content.decode()
    summary = client.get("/dashboard/api/summary/?district=210800&first_year=2025&last_year=2021")
    assert summary.status_code == 400 and "last_year" in summary.json()["errors"]


def test_year_end_summary_sums_the_plan(may, tree, users):
    summary = selectors.year_end_summary(
        user=users.city, district=tree.city, first_year=2021, last_year=2025
    )
    rows = {row.code: row for row in summary.rows}
    assert rows["210881"].construction_projects == 2 and rows["210881"].equipment_projects == 2
    assert rows["210881"].floor_area == Decimal("2400.00")
    assert summary.total.projects == 5 and summary.total.investment == sum(
        (row.investment for row in summary.rows), Decimal(0)
    )
    assert datetime.date(2024, 5, 31) == selectors.month_end(2024, 5)


def test_overdue_rectifications_are_counted_as_of_the_month_shown(tree, users):
    """A finding due on 9 June 2024 and verified on 15 July is overdue in June's dashboard,
    not in May's (not yet due) nor in July's (verified by then); an open one still is."""
    ChecklistItem.objects.all().delete()
    checklist()
    visit = make_visit(user=users.inspector, schools=[tree.schools["210881"]])
    verified = make_finding(visit=visit, county=tree.gaizhou, user=users.inspector)
    inspections.finding_submit(finding=verified, evidence="已整改", acting_user=users.gaizhou)
    inspections.finding_verify(finding=verified, acting_user=users.inspector)
    FindingEvent.objects.filter(finding=verified, action=FindingAction.VERIFIED).update(
        at=datetime.datetime(2024, 7, 15, 10, tzinfo=datetime.UTC)
    )

    def overdue(month):
        return {
            alert.subject: alert.count
            for alert in board(users.city, tree.city, month=month).alerts
            if alert.kind == _("Rectification overdue")
        }

    assert overdue(5) == {}
    assert overdue(6) == {"盖州市": 1}
    assert overdue(7) == {}
    # The alert links to the findings it counted: overdue at June's end, verified since (not
    # one due later).
    make_finding(
        visit=visit, county=tree.gaizhou, user=users.inspector, deadline=datetime.date(2030, 1, 1)
    )
    [alert] = [
        a for a in board(users.city, tree.city, month=6).alerts if a.url.startswith("/supervision/")
    ]
    client = login(Client(), users.city)
    listed = client.get(alert.url).context["object_list"]
    assert [finding.pk for finding in listed] == [verified.pk]
    assert not client.get("/supervision/findings/?overdue_on=2024-07-31").context["object_list"]
    make_finding(
        visit=visit, county=tree.gaizhou, user=users.inspector, deadline=datetime.date(2024, 6, 9)
    )
    assert overdue(8) == {"盖州市": 1}


@pytest.mark.parametrize("pending", [False, True])
def test_the_dashboards_show_the_same_plan_kept_or_summed_when_read(may, tree, users, pending):
    def figures():
        boards = [
            selectors.district_dashboard(
                user=user, district=district, year=2024, month=5, pending=pending
            )
            for user, district in ((users.city, tree.city), (users.province, tree.province))
        ]
        return [
            (
                child.code,
                child.projects,
                child.schools,
                child.planned_area,
                child.planned_equipment,
                child.funds.planned,
                child.funds.plan_by_source,
                child.planned_quantities,
                [(row.label, row.planned) for row in child.by_source],
            )
            for board in boards
            for child in [board.headline, *board.children]
        ]

    PlanTotals.objects.all().delete()
    summed_when_read = figures()
    funding_services.plan_totals_refresh()
    assert figures() == summed_when_read
    assert summed_when_read[0][1] > 0


def test_the_breadcrumb_shows_the_districts_above_that_the_user_sees(may, client, users):
    def crumbs(user, code):
        page = login(client, user).get(f"/dashboard/?district={code}&month=2024-05")
        html = page.content.decode()
        nav = html[
            html.index('<nav class="breadcrumb"') : html.index(
                "</nav>", html.index('<nav class="breadcrumb"')
            )
        ]
        return [part.split(">")[-1] for part in nav.split("</")[:-1] if part.split(">")[-1]]

    assert crumbs(users.province, "210881") == ["辽宁省", "营口市", "盖州市"]
    assert crumbs(users.province, "210800") == ["辽宁省", "营口市"]  # once, whatever it holds
    assert crumbs(users.admin, "210800") == ["辽宁省", "营口市"]
    assert crumbs(users.province, "210000") == ["辽宁省"]
    assert crumbs(users.city, "210881") == ["营口市", "盖州市"]
    assert crumbs(users.gaizhou, "210881") == ["盖州市"]
