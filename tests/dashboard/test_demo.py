"""The 营口 demo on the dashboard: the year-end summary equals the first seed's figures, and
the figures of October 2017 (both counties approved) agree from school to province."""

from decimal import Decimal

import pytest

from dashboard import selectors
from gaibo.models import User
from inspections.choices import UNRESOLVED_STATUSES
from inspections.models import Finding
from projects.choices import EquipmentCategory
from projects.models import District
from reports.models import Report, ReportLine
from tests.funding.test_fund_totals import kept, summed_afresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(loaded_demo):
    return loaded_demo


def test_year_end_summary_is_the_seeds():
    city = District.objects.get(code="210800")
    summary = selectors.year_end_summary(
        user=User.objects.get(username="yingkou"), district=city, first_year=2014, last_year=2018
    )
    total = summary.total
    assert total.investment == Decimal("316300000.00")  # 3.163亿元
    assert (total.projects, total.construction_projects, total.equipment_projects) == (118, 77, 41)
    rows = {row.label: row for row in summary.rows}
    gaizhou, dashiqiao = rows["盖州市"], rows["大石桥市"]
    assert gaizhou.investment == Decimal("164000000.00")  # 1.64亿元
    assert (gaizhou.construction_projects, gaizhou.floor_area) == (49, Decimal("54661.00"))
    assert gaizhou.construction_amount == Decimal("91915000.00")  # 9,191.5万元
    assert (gaizhou.equipment_projects, gaizhou.equipment_amount) == (22, Decimal("72085000.00"))
    assert gaizhou.with_equipment == 30  # 另有30项为校舍建设中含有的设备购置项
    assert dashiqiao.investment == Decimal("152300000.00")  # 1.523亿元
    assert (dashiqiao.construction_projects, dashiqiao.floor_area) == (28, Decimal("129500.00"))
    assert dashiqiao.construction_amount == Decimal("132060000.00")
    assert (dashiqiao.equipment_projects, dashiqiao.equipment_amount) == (
        19,
        Decimal("20240000.00"),
    )
    assert total.quantity(EquipmentCategory.COMPUTERS) == 1866
    assert total.quantity(EquipmentCategory.BOOKS) == 26100
    assert total.quantity(EquipmentCategory.DESKS) == 10938


def test_october_2017_agrees_from_school_to_province():
    province = District.objects.get(code="210000")
    admin = User.objects.get(username="admin")
    top = selectors.district_dashboard(user=admin, district=province, year=2017, month=10)
    city = selectors.district_dashboard(
        user=admin, district=District.objects.get(code="210800"), year=2017, month=10
    )
    assert top.headline.progress.started_area == city.headline.progress.started_area > 0
    assert city.headline.counties_reported == 2
    county_started = Decimal(0)
    for child in city.children:
        county = selectors.district_dashboard(
            user=admin, district=District.objects.get(code=child.code), year=2017, month=10
        )
        schools = sum((s.progress.started_area for s in county.children), Decimal(0))
        assert schools == county.headline.progress.started_area == child.progress.started_area
        assert sum(s.funds.arrived for s in county.children) == child.funds.arrived
        # The county's trend (its kept fund totals) ends where its schools' records add up.
        assert county.trend[-1].figures.funds.arrived == county.headline.funds.arrived > 0
        assert county.trend[-1].figures.funds.paid == county.headline.funds.paid > 0
        assert county.headline.funds.paid == child.funds.paid
        county_started += child.progress.started_area
        # The county's figure is its October lines plus the projects reported finished before.
        report = Report.objects.get(county__code=child.code, year=2017, month=10)
        own = set(report.lines.values_list("project_id", flat=True))
        earlier = {
            line.project_id: line.started_area or 0
            for line in ReportLine.objects.filter(
                report__county__code=child.code, report__month=9, progress=100
            ).exclude(project_id__in=own)
        }
        lines = sum(line.started_area or 0 for line in report.lines.all())
        assert child.progress.started_area == lines + sum(earlier.values())
    assert county_started == city.headline.progress.started_area


def test_the_city_page_opens_on_the_latest_approved_month(client):
    client.login(username="yingkou", password="gaibo-demo")
    response = client.get("/dashboard/")
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert (dashboard.year, dashboard.month) == (2017, 11)
    # 盖州市's November report waits for the city: its figures are October's, marked so.
    gaizhou = next(child for child in dashboard.children if child.code == "210881")
    assert gaizhou.reported_on.month == 10


def test_the_demo_keeps_its_fund_totals():
    assert len(kept()) > 0
    assert kept() == summed_afresh()


def test_findings_the_demo_closed_are_not_overdue_in_its_months():
    """The demo's findings were verified before their deadlines (dated so, not when the demo
    was loaded): December 2018 counts overdue only those still open, none in the month a
    finding was verified in time."""
    city = District.objects.get(code="210800")
    user = User.objects.get(username="yingkou")

    def overdue(year, month):
        dashboard = selectors.district_dashboard(user=user, district=city, year=year, month=month)
        return sum(alert.count for alert in dashboard.alerts if alert.kind == "整改逾期")

    still_open = Finding.objects.filter(status__in=UNRESOLVED_STATUSES)
    assert overdue(2018, 12) == still_open.filter(deadline__lt="2018-12-31").count()
    assert Finding.objects.exclude(status__in=UNRESOLVED_STATUSES).exists()
    assert overdue(2017, 11) == still_open.filter(deadline__lt="2017-11-30").count()
