"""The 营口 demo on the dashboard: the year-end summary equals the first seed's figures, and
the figures of October 2017 (both counties approved) agree from school to province."""

from decimal import Decimal

import pytest

from dashboard import selectors
from gaibo.models import User
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
