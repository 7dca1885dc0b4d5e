"""A small world for the authorization matrix: four counties, each with one of everything.

盖州市 is "own" county of the county users; 大石桥市 is another county of the same city;
海城市 a county of another city; 朝阳区 a county of another province. Every object's text
carries the marker ``M<county code>`` so that a page or an export can be searched for rows
of a county it must not show.
"""

import datetime
from contextlib import ExitStack
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

from funding import services as funding
from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment
from gaibo.choices import Role
from inspections import services as inspections
from inspections.models import ChecklistItem, EvidencePhoto
from plans import services as plans
from plans.choices import ChangeKind, PlanKind
from plans.models import Plan, PlanItem
from projects.choices import ConstructionKind, DistrictLevel, ProjectCategory, WorkType
from reports import services as reports
from tests.factories import DistrictFactory, ProjectFactory, SchoolFactory, UserFactory
from tests.inspections.factories import checklist, make_finding, make_visit, processed

NOW = datetime.datetime(2024, 6, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
OWN = "210881"
COUNTIES = ("210881", "210882", "210381", "220104")


def marker(code: str) -> str:
    return f"M{code}"


def build_world(stack: ExitStack) -> SimpleNamespace:
    """Everything, written through the services as the pages write it."""
    stack.enter_context(mock.patch.object(reports, "_now", lambda: NOW))
    liaoning = DistrictFactory(code="210000", name="辽宁省", level=DistrictLevel.PROVINCE)
    yingkou = DistrictFactory(
        code="210800", name="营口市", level=DistrictLevel.CITY, parent=liaoning
    )
    anshan = DistrictFactory(
        code="210300", name="鞍山市", level=DistrictLevel.CITY, parent=liaoning
    )
    jilin = DistrictFactory(code="220000", name="吉林省", level=DistrictLevel.PROVINCE)
    changchun = DistrictFactory(
        code="220100", name="长春市", level=DistrictLevel.CITY, parent=jilin
    )
    counties = {
        "210881": DistrictFactory(code="210881", name="盖州市", parent=yingkou),
        "210882": DistrictFactory(code="210882", name="大石桥市", parent=yingkou),
        "210381": DistrictFactory(code="210381", name="海城市", parent=anshan),
        "220104": DistrictFactory(code="220104", name="朝阳区", parent=changchun),
    }
    users = {
        "anonymous": None,
        "county_education": UserFactory(
            username="gaizhou", role=Role.COUNTY_EDUCATION, district=counties[OWN]
        ),
        "county_finance": UserFactory(
            username="gaizhou_finance", role=Role.COUNTY_FINANCE, district=counties[OWN]
        ),
        "city": UserFactory(username="yingkou", role=Role.CITY, district=yingkou),
        "province": UserFactory(username="liaoning", role=Role.PROVINCE, district=liaoning),
        "inspector": UserFactory(username="inspector", role=Role.INSPECTOR, district=yingkou),
        "admin": UserFactory(
            username="admin", role=Role.ADMINISTRATOR, is_superuser=True, is_staff=True
        ),
    }
    admin = users["admin"]
    ChecklistItem.objects.all().delete()
    checklist()
    objects = {}
    for code, county in counties.items():
        mark = marker(code)
        educator = UserFactory(username=f"edu{code}", role=Role.COUNTY_EDUCATION, district=county)
        school = SchoolFactory(county=county, name=f"{mark}学校", code=f"{code}0001")
        project = ProjectFactory(
            school=school,
            name=f"{mark}项目",
            code=f"P{code}",
            plan_year=2024,
            contractor=f"{mark}建工",
        )
        tranche = funding.allocation_save(
            allocation=Allocation(
                source=FundLevel.PROVINCIAL,
                document_number=f"{mark}文号",
                issued_on=datetime.date(2024, 3, 1),
                year=2024,
                recipient=county,
                amount=Decimal("3000000.00"),
            ),
            acting_user=admin,
        )
        arrival = funding.arrival_save(
            arrival=Arrival(
                allocation=tranche,
                project=project,
                amount=Decimal("2000000.00"),
                arrived_on=datetime.date(2024, 4, 1),
            ),
            acting_user=admin,
        )
        payment = funding.payment_save(
            payment=Payment(
                project=project,
                source=FundLevel.PROVINCIAL,
                payee=f"{mark}建工",
                amount=Decimal("500000.00"),
                paid_on=datetime.date(2024, 5, 10),
                voucher_number=f"{mark}凭证",
                approved_by="王建国",
                approved_on=datetime.date(2024, 5, 8),
            ),
            acting_user=admin,
        )
        report = reports.report_open(county=county, year=2024, month=5, half=0, acting_user=admin)
        visit = make_visit(user=admin, counties=[county], summary=f"{mark}督导")
        finding = make_finding(visit=visit, county=county, user=admin, description=f"{mark}问题")
        [visit_photo] = inspections.visit_photos_add(
            visit=visit, photos=[processed()], acting_user=admin, caption=f"{mark}照片"
        )
        inspections.finding_submit(
            finding=finding, evidence=f"{mark}整改", acting_user=educator, photos=[processed()]
        )
        evidence_photo = EvidencePhoto.objects.get(event__finding=finding)
        approved_plan, baselined, change = _approved_plan_with_a_change(county, school, admin)
        draft_plan = plans.plan_create(
            plan=Plan(
                county=county, kind=PlanKind.ANNUAL, first_year=2024, title=f"{mark}年度计划"
            ),
            acting_user=admin,
        )
        draft_item = _plan_item(draft_plan, school, admin, f"PA{code}", f"{mark}年度项目", 2024)
        objects[code] = SimpleNamespace(
            county=county,
            school=school,
            project=project,
            tranche=tranche,
            arrival=arrival,
            payment=payment,
            report=report,
            visit=visit,
            finding=finding,
            visit_photo=visit_photo,
            evidence_photo=evidence_photo,
            approved_plan=approved_plan,
            baselined=baselined,
            change=change,
            draft_plan=draft_plan,
            draft_item=draft_item,
        )
    return SimpleNamespace(users=users, objects=objects, counties=counties)


def _plan_item(plan, school, user, code, name, year) -> PlanItem:
    return plans.plan_item_save(
        item=PlanItem(
            plan=plan,
            school=school,
            code=code,
            name=name,
            category=ProjectCategory.CONSTRUCTION,
            construction_kind=ConstructionKind.DORMITORY,
            work_type=WorkType.NEW,
            planned_area=Decimal("1200.00"),
            planned_amount=Decimal("3600000.00"),
            fund_central=Decimal("1800000.00"),
            fund_county=Decimal("1800000.00"),
            plan_year=year,
            end_year=year,
        ),
        acting_user=user,
    )


def _approved_plan_with_a_change(county, school, admin):
    """A five-year plan approved by the province (its project baselined in the register) and
    a change of that project's amount waiting for the city."""
    mark = marker(county.code)
    plan = plans.plan_create(
        plan=Plan(county=county, kind=PlanKind.FIVE_YEAR, title=f"{mark}规划"), acting_user=admin
    )
    _plan_item(plan, school, admin, f"PL{county.code}", f"{mark}宿舍", 2022)
    plans.plan_submit(plan=plan, acting_user=admin)
    plans.plan_city_approve(plan=plan, acting_user=admin)
    plans.plan_approve(plan=plan, acting_user=admin)
    project = school.projects.get(code=f"PL{county.code}")
    change = plans.change_request_create(
        project=project,
        kind=ChangeKind.VALUE,
        new_values={
            "planned_amount": "4000000",
            "fund_central": "2200000",
            "fund_county": "1800000",
        },
        reason=f"{mark}钢材涨价",
        acting_user=admin,
    )
    return plan, project, change
