"""Plan fixtures: 盖州市's 2021-2025 plan, being compiled, with two good projects."""

from decimal import Decimal

import pytest

from plans import services
from plans.choices import PlanKind
from plans.models import Plan, PlanItem
from projects.choices import ConstructionKind, ProjectCategory, SchoolType, WorkType
from tests.factories import SchoolFactory


def make_item(plan, user, **values) -> PlanItem:
    """A construction project of 3,600,000 yuan, funded half central, half county."""
    values.setdefault("code", "GZ-2022-01")
    values.setdefault("name", "学生宿舍新建工程")
    values.setdefault("category", ProjectCategory.CONSTRUCTION)
    if values["category"] == ProjectCategory.CONSTRUCTION:
        values.setdefault("construction_kind", ConstructionKind.DORMITORY)
        values.setdefault("work_type", WorkType.NEW)
        values.setdefault("planned_area", Decimal("1200.00"))
    amount = values.setdefault("planned_amount", Decimal("3600000.00"))
    values.setdefault("fund_central", amount / 2)
    values.setdefault("fund_county", amount / 2)
    values.setdefault("plan_year", 2022)
    values.setdefault("end_year", values["plan_year"])
    return services.plan_item_save(item=PlanItem(plan=plan, **values), acting_user=user)


@pytest.fixture
def plan(tree, users):
    plan = services.plan_create(
        plan=Plan(county=tree.gaizhou, kind=PlanKind.FIVE_YEAR, title="盖州市能力提升规划"),
        acting_user=users.gaizhou,
    )
    school = tree.schools["210881"]
    make_item(plan, users.gaizhou, school=school)
    make_item(
        plan,
        users.gaizhou,
        school=school,
        code="GZ-2023-01",
        name="计算机教室设备购置",
        category=ProjectCategory.EQUIPMENT,
        planned_amount=Decimal("500000.00"),
        plan_year=2023,
    )
    return plan


@pytest.fixture
def kindergarten(tree):
    return SchoolFactory(
        county=tree.gaizhou, name="盖州市实验幼儿园", school_type=SchoolType.KINDERGARTEN
    )


def approve_all(plan, users):
    """Submit, city approval, province approval."""
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_city_approve(plan=plan, acting_user=users.city)
    services.plan_approve(plan=plan, acting_user=users.province)
    plan.refresh_from_db()
    return plan
