"""营口市 in May 2024: 盖州市's report approved, 大石桥市's submitted and confirmed but not yet
approved, 鞍山市's 海城市 without any; money arrived at 盖州市's building in 2022 and partly
paid; a project behind its plan year in each kind."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from funding import services as funding_services
from reports import services
from tests.factories import ProjectFactory
from tests.funding.conftest import a_payment, money  # noqa: F401 (fixture)
from tests.reports.conftest import clock, county, fill  # noqa: F401 (fixtures)


def _contracted(project, plan_year=2022):
    project.approved_on = datetime.date(2024, 1, 10)
    project.tendered_on = datetime.date(2024, 2, 10)
    project.contracted_on = datetime.date(2024, 3, 1)
    project.status = project.status_from_dates()
    project.plan_year = plan_year
    project.save()
    return project


@pytest.fixture
def may(tree, users, county, money, clock):  # noqa: F811
    gaizhou_report = services.report_open(
        county=tree.gaizhou, year=2024, month=5, half=0, acting_user=users.gaizhou
    )
    dashiqiao = _contracted(tree.projects["210882"])
    late_building = ProjectFactory(school=tree.schools["210881"], plan_year=2023, code="LATE-1")
    late_equipment = ProjectFactory.equipment(
        school=tree.schools["210881"], plan_year=2023, code="LATE-EQ"
    )
    funding_services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )

    # 盖州市: the building started and fully begun; the equipment contracted.
    fill(
        gaizhou_report,
        county.building,
        users.gaizhou,
        started_on=datetime.date(2024, 4, 1),
        started_area=Decimal("1200"),
        completed_area=Decimal("0"),
        investment_month=Decimal("1000000"),
        progress=40,
    )
    fill(
        gaizhou_report,
        county.equipment,
        users.gaizhou,
        started_on=datetime.date(2024, 5, 10),
        investment_month=Decimal("200000"),
        progress=50,
    )
    services.report_submit(report=gaizhou_report, acting_user=users.gaizhou)
    services.report_confirm(report=gaizhou_report, acting_user=users.gaizhou_finance)
    services.report_approve(report=gaizhou_report, acting_user=users.city)

    dashiqiao_report = services.report_open(
        county=tree.dashiqiao, year=2024, month=5, half=0, acting_user=users.dashiqiao
    )
    fill(
        dashiqiao_report,
        dashiqiao,
        users.dashiqiao,
        started_on=datetime.date(2024, 5, 2),
        started_area=Decimal("300"),
        completed_area=Decimal("0"),
        investment_month=Decimal("500000"),
        progress=20,
    )
    services.report_submit(report=dashiqiao_report, acting_user=users.dashiqiao)
    return SimpleNamespace(
        gaizhou=gaizhou_report,
        dashiqiao=dashiqiao_report,
        late_building=late_building,
        late_equipment=late_equipment,
        building=county.building,
        equipment=county.equipment,
    )
