"""Demo plans of 能力提升 (2021-2025): 盖州市's five-year plan, approved by the province (its
projects are in the register and on the public page, two of them under way), and 大石桥市's,
submitted and awaiting the city. Created through the services, as the users who would act;
only what is missing is created."""

from collections import Counter
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from plans import services
from plans.choices import PlanKind
from plans.models import Plan, PlanItem, PlanItemLine
from projects.choices import (
    COMPULSORY_SCHOOL_TYPES,
    ConstructionKind,
    EquipmentCategory,
    Programme,
    ProjectCategory,
    TenderMethod,
    Unit,
    WorkType,
)
from projects.models import District, Project, School
from projects.services import project_save

C, E, IT = ProjectCategory.CONSTRUCTION, ProjectCategory.EQUIPMENT, ProjectCategory.IT

# code, name, school index, category, kind, work type, years, area, amount (万元),
# (central, provincial, county) shares in 万元, equipment line (category, item, unit, quantity)
GAIZHOU = (
    (
        "210881-2022-N01",
        "学生宿舍新建工程",
        0,
        C,
        ConstructionKind.DORMITORY,
        WorkType.NEW,
        (2022, 2023),
        2400,
        720,
        (360, 216, 144),
        None,
    ),
    (
        "210881-2022-N02",
        "食堂改扩建工程",
        1,
        C,
        ConstructionKind.CANTEEN,
        WorkType.EXTENSION,
        (2022, 2022),
        800,
        240,
        (120, 72, 48),
        None,
    ),
    (
        "210881-2023-N01",
        "运动场地改造工程",
        2,
        C,
        ConstructionKind.SPORTS,
        WorkType.RENOVATION,
        (2023, 2023),
        1500,
        150,
        (75, 45, 30),
        None,
    ),
    (
        "210881-2022-N03",
        "学生用床及食堂设备购置",
        0,
        E,
        "",
        "",
        (2022, 2022),
        None,
        80,
        (40, 24, 16),
        (EquipmentCategory.LIVING, "学生用床", Unit.SET, 400),
    ),
    (
        "210881-2023-N02",
        "专递课堂设备购置",
        3,
        IT,
        "",
        "",
        (2023, 2023),
        None,
        45,
        (22.5, 13.5, 9),
        (EquipmentCategory.COMPUTERS, "专递课堂录播设备", Unit.SET, 6),
    ),
)
DASHIQIAO = (
    (
        "210882-2022-N01",
        "教学楼改扩建工程",
        0,
        C,
        ConstructionKind.TEACHING,
        WorkType.EXTENSION,
        (2022, 2024),
        3000,
        1050,
        (525, 315, 210),
        None,
    ),
    (
        "210882-2023-N01",
        "学生宿舍维修改造工程",
        1,
        C,
        ConstructionKind.DORMITORY,
        WorkType.RENOVATION,
        (2023, 2023),
        1200,
        180,
        (90, 54, 36),
        None,
    ),
    (
        "210882-2022-N02",
        "图书购置",
        2,
        E,
        "",
        "",
        (2022, 2022),
        None,
        30,
        (15, 9, 6),
        (EquipmentCategory.BOOKS, "图书", Unit.VOLUME, 20000),
    ),
    (
        "210882-2024-N01",
        "学校网络设备购置",
        3,
        IT,
        "",
        "",
        (2024, 2024),
        None,
        60,
        (30, 18, 12),
        (EquipmentCategory.COMPUTERS, "校园网交换机", Unit.UNIT, 40),
    ),
)
# The projects of the approved plan already under way, with their tender (disclosed).
UNDER_WAY = {
    "210881-2022-N01": {
        "approved_on": date(2022, 3, 1),
        "tendered_on": date(2022, 4, 12),
        "contracted_on": date(2022, 4, 28),
        "started_on": date(2022, 5, 16),
        "contractor": "营口建工集团有限公司",
        "supervisor": "辽宁华建工程监理有限公司",
        "tender_method": TenderMethod.OPEN,
        "bid_price": Decimal("6985000.00"),
    },
    "210881-2022-N03": {
        "approved_on": date(2022, 3, 1),
        "tendered_on": date(2022, 5, 20),
        "contracted_on": date(2022, 6, 2),
        "delivered_on": date(2022, 8, 15),
        "contractor": "营口市教学设备有限公司",
        "tender_method": TenderMethod.INQUIRY,
        "bid_price": Decimal("776000.00"),
    },
}
WAN = Decimal(10000)


def _yuan(wan) -> Decimal:
    return (Decimal(str(wan)) * WAN).quantize(Decimal("0.01"))


def _plan(county_code: str, title: str, rows, user) -> Plan | None:
    county = District.objects.get(code=county_code)
    if Plan.objects.filter(
        county=county, programme=Programme.CAPACITY, kind=PlanKind.FIVE_YEAR
    ).exists():
        return None
    schools = list(
        School.objects.filter(
            county=county,
            is_public=True,
            in_layout_plan=True,
            school_type__in=COMPULSORY_SCHOOL_TYPES,
        ).order_by("code")[:4]
    )
    plan = services.plan_create(
        plan=Plan(county=county, kind=PlanKind.FIVE_YEAR, title=title), acting_user=user
    )
    for code, name, school, category, kind, work, years, area, amount, shares, line in rows:
        central, provincial, county_share = (_yuan(share) for share in shares)
        item = PlanItem(
            plan=plan,
            code=code,
            name=name,
            school=schools[school % len(schools)],
            category=category,
            construction_kind=kind,
            work_type=work,
            plan_year=years[0],
            end_year=years[1],
            planned_area=Decimal(area) if area else None,
            planned_amount=_yuan(amount),
            fund_central=central,
            fund_provincial=provincial,
            fund_county=county_share,
        )
        lines = []
        if line:
            lines.append(
                PlanItemLine(
                    category=line[0],
                    name=line[1],
                    unit=line[2],
                    quantity=Decimal(line[3]),
                    amount=_yuan(amount),
                )
            )
        services.plan_item_save(item=item, lines=lines, acting_user=user)
    return plan


@transaction.atomic
def load() -> Counter:
    created = Counter()
    if District.objects.filter(code__in=["210881", "210882"]).count() != 2:
        return created
    users = get_user_model().objects.in_bulk(
        ["gaizhou", "dashiqiao", "yingkou", "province"], field_name="username"
    )
    if len(users) < 4:
        return created
    gaizhou = _plan(
        "210881",
        "盖州市义务教育薄弱环节改善与能力提升规划(2021-2025年)",
        GAIZHOU,
        users["gaizhou"],
    )
    if gaizhou is not None:
        services.plan_submit(plan=gaizhou, acting_user=users["gaizhou"])
        services.plan_city_approve(plan=gaizhou, acting_user=users["yingkou"], reason="同意上报")
        services.plan_approve(plan=gaizhou, acting_user=users["province"])
        for code, facts in UNDER_WAY.items():
            project = Project.objects.get(code=code)
            for name, value in facts.items():
                setattr(project, name, value)
            project_save(project=project, acting_user=users["gaizhou"])
        created["plans"] += 1
        created["plan projects"] += len(GAIZHOU)
    dashiqiao = _plan(
        "210882",
        "大石桥市义务教育薄弱环节改善与能力提升规划(2021-2025年)",
        DASHIQIAO,
        users["dashiqiao"],
    )
    if dashiqiao is not None:
        services.plan_submit(plan=dashiqiao, acting_user=users["dashiqiao"])
        created["plans"] += 1
        created["plan projects"] += len(DASHIQIAO)
    return created
