"""Demo data: 营口市's 全面改薄 plan (2014-2018), sized exactly to the first seed's figures.

The tables come first. Small functions expand them into schools, projects and equipment lines,
deterministically (weights and fixed cycles, no randomness); `load()` creates whatever of it is
missing, through the services. The figures are in ../shared/DOMAIN.md, last section.
"""

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from itertools import cycle, islice
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction

from gaibo.choices import Role
from gaibo.money import CENT
from projects.choices import (
    LIFECYCLE_STEPS,
    ConstructionKind,
    DistrictLevel,
    EquipmentCategory,
    Programme,
    ProjectCategory,
    ProjectStatus,
    SchoolLocation,
    SchoolType,
    TenderMethod,
    Unit,
    WorkType,
)
from projects.models import SMALL_SCALE_PUPILS, District, EquipmentLine, Project, School
from projects.services import project_save, school_save

PASSWORD = "gaibo-demo"


class DemoUser(NamedTuple):
    username: str
    role: Role
    district: str | None  # district code; the administrator has none
    first_name: str


USERS = (
    DemoUser("admin", Role.ADMINISTRATOR, None, "系统管理员"),
    DemoUser("province", Role.PROVINCE, "210000", "辽宁省教育厅"),
    DemoUser("yingkou", Role.CITY, "210800", "营口市教育局"),
    DemoUser("gaizhou", Role.COUNTY_EDUCATION, "210881", "盖州市教育局"),
    DemoUser("gaizhou_finance", Role.COUNTY_FINANCE, "210881", "盖州市财政局"),
    DemoUser("dashiqiao", Role.COUNTY_EDUCATION, "210882", "大石桥市教育局"),
    DemoUser("dashiqiao_finance", Role.COUNTY_FINANCE, "210882", "大石桥市财政局"),
    DemoUser("inspector", Role.INSPECTOR, "210800", "营口市政府教育督导室"),
)
ADMIN = "admin"  # the acting user of every write

# code, name, level, parent's code (parents first)
DISTRICTS = (
    ("210000", "辽宁省", DistrictLevel.PROVINCE, None),
    ("210800", "营口市", DistrictLevel.CITY, "210000"),
    ("210881", "盖州市", DistrictLevel.COUNTY, "210800"),
    ("210882", "大石桥市", DistrictLevel.COUNTY, "210800"),
)
DISTRICT_NAMES = {code: name for code, name, _level, _parent in DISTRICTS}


class CountyPlan(NamedTuple):
    """A county's five-year figures, as the seed reports them (area in m², money in yuan)."""

    county: str
    construction_projects: int
    construction_area: Decimal
    construction_amount: Decimal
    equipment_projects: int
    equipment_amount: Decimal
    construction_with_equipment: int  # building projects holding a living-facilities line


COUNTY_PLANS = (
    CountyPlan(
        county="210881",
        construction_projects=49,
        construction_area=Decimal(54661),
        construction_amount=Decimal("91915000.00"),  # 9,191.5万元
        equipment_projects=22,
        equipment_amount=Decimal("72085000.00"),  # 7,208.5万元
        construction_with_equipment=30,
    ),
    CountyPlan(
        county="210882",
        construction_projects=28,
        construction_area=Decimal(129500),
        construction_amount=Decimal("132060000.00"),  # 13,206万元
        equipment_projects=19,
        equipment_amount=Decimal("20240000.00"),  # 2,024万元
        construction_with_equipment=0,
    ),
)

# What the city's equipment projects bought in all: 计算机及教学仪器 套, 图书 册, 课桌凳 套.
EQUIPMENT_QUANTITIES = {
    EquipmentCategory.COMPUTERS: 1866,
    EquipmentCategory.BOOKS: 26100,
    EquipmentCategory.DESKS: 10938,
}

PRIMARY, JUNIOR, NINE_YEAR = SchoolType.PRIMARY, SchoolType.JUNIOR, SchoolType.NINE_YEAR
SPECIAL, KINDERGARTEN = SchoolType.SPECIAL, SchoolType.KINDERGARTEN
URBAN, TOWN, RURAL = SchoolLocation.URBAN, SchoolLocation.TOWN, SchoolLocation.RURAL


class SchoolRow(NamedTuple):
    name: str  # after the county's name
    school_type: SchoolType
    location: SchoolLocation
    is_boarding: bool
    pupils: int
    classes: int
    is_public: bool = True
    in_layout_plan: bool = True


# Each county's schools, numbered in this order; the last ones may not receive projects.
SCHOOLS = {
    "210881": (
        SchoolRow("实验小学", PRIMARY, URBAN, False, 2880, 48),
        SchoolRow("第一小学", PRIMARY, URBAN, False, 1980, 40),
        SchoolRow("第二小学", PRIMARY, URBAN, False, 1650, 34),
        SchoolRow("鼓楼街道中心小学", PRIMARY, URBAN, False, 1120, 24),
        SchoolRow("西城街道中心小学", PRIMARY, URBAN, False, 960, 22),
        SchoolRow("第一初级中学", JUNIOR, URBAN, False, 1850, 36),
        SchoolRow("第二初级中学", JUNIOR, URBAN, False, 1420, 30),
        SchoolRow("第三初级中学", JUNIOR, URBAN, True, 1180, 24),
        SchoolRow("特殊教育学校", SPECIAL, URBAN, True, 126, 12),
        SchoolRow("太阳升街道中心小学", PRIMARY, TOWN, False, 620, 14),
        SchoolRow("团山街道中心小学", PRIMARY, TOWN, False, 540, 12),
        SchoolRow("归州镇中心小学", PRIMARY, TOWN, False, 780, 18),
        SchoolRow("归州镇初级中学", JUNIOR, TOWN, True, 640, 15),
        SchoolRow("九垄地镇中心小学", PRIMARY, TOWN, False, 590, 14),
        SchoolRow("九垄地镇初级中学", JUNIOR, TOWN, True, 520, 12),
        SchoolRow("沙岗镇中心小学", PRIMARY, TOWN, False, 460, 12),
        SchoolRow("万福镇九年一贯制学校", NINE_YEAR, TOWN, True, 720, 18),
        SchoolRow("暖泉镇中心小学", PRIMARY, TOWN, False, 380, 12),
        SchoolRow("双台镇九年一贯制学校", NINE_YEAR, TOWN, True, 560, 15),
        SchoolRow("杨运镇中心小学", PRIMARY, TOWN, False, 410, 12),
        SchoolRow("卧龙泉镇中心小学", PRIMARY, TOWN, False, 350, 12),
        SchoolRow("青石岭镇中心小学", PRIMARY, TOWN, False, 520, 12),
        SchoolRow("高屯镇初级中学", JUNIOR, TOWN, True, 430, 12),
        SchoolRow("梁屯镇中心小学", PRIMARY, TOWN, False, 300, 10),
        SchoolRow("矿洞沟镇中心小学", PRIMARY, RURAL, True, 260, 8),
        SchoolRow("什字街镇九年一贯制学校", NINE_YEAR, RURAL, True, 340, 11),
        SchoolRow("徐屯镇中心小学", PRIMARY, TOWN, False, 290, 9),
        SchoolRow("榜式堡镇中心小学", PRIMARY, TOWN, False, 330, 10),
        SchoolRow("陈屯镇中心小学", PRIMARY, TOWN, False, 310, 9),
        SchoolRow("小石棚乡中心小学", PRIMARY, RURAL, True, 180, 6),
        SchoolRow("罗屯乡中心小学", PRIMARY, RURAL, False, 150, 6),
        SchoolRow("矿洞沟镇第二小学", PRIMARY, RURAL, False, 64, 6),
        SchoolRow("小石棚乡第二小学", PRIMARY, RURAL, False, 38, 4),
        SchoolRow("什字街镇第二小学", PRIMARY, RURAL, False, 72, 6),
        SchoolRow("博文外国语学校", NINE_YEAR, URBAN, True, 860, 20, is_public=False),
        SchoolRow("实验幼儿园", KINDERGARTEN, URBAN, False, 420, 14),
    ),
    "210882": (
        SchoolRow("实验小学", PRIMARY, URBAN, False, 2650, 48),
        SchoolRow("第一小学", PRIMARY, URBAN, False, 1760, 36),
        SchoolRow("第二小学", PRIMARY, URBAN, False, 1540, 32),
        SchoolRow("钢都街道中心小学", PRIMARY, URBAN, False, 1280, 26),
        SchoolRow("石桥街道中心小学", PRIMARY, URBAN, False, 920, 20),
        SchoolRow("青花街道中心小学", PRIMARY, URBAN, False, 980, 22),
        SchoolRow("金桥街道中心小学", PRIMARY, URBAN, False, 860, 20),
        SchoolRow("第一初级中学", JUNIOR, URBAN, False, 2100, 42),
        SchoolRow("第二初级中学", JUNIOR, URBAN, False, 1680, 36),
        SchoolRow("第三初级中学", JUNIOR, URBAN, True, 1240, 27),
        SchoolRow("特殊教育学校", SPECIAL, URBAN, True, 98, 10),
        SchoolRow("水源镇中心小学", PRIMARY, TOWN, False, 640, 15),
        SchoolRow("水源镇初级中学", JUNIOR, TOWN, True, 580, 13),
        SchoolRow("沟沿镇中心小学", PRIMARY, TOWN, False, 520, 12),
        SchoolRow("石佛镇中心小学", PRIMARY, TOWN, False, 480, 12),
        SchoolRow("高坎镇中心小学", PRIMARY, TOWN, False, 700, 16),
        SchoolRow("高坎镇初级中学", JUNIOR, TOWN, True, 620, 14),
        SchoolRow("旗口镇中心小学", PRIMARY, TOWN, False, 450, 12),
        SchoolRow("虎庄镇中心小学", PRIMARY, TOWN, False, 560, 13),
        SchoolRow("官屯镇九年一贯制学校", NINE_YEAR, TOWN, True, 680, 17),
        SchoolRow("博洛铺镇中心小学", PRIMARY, TOWN, False, 430, 12),
        SchoolRow("永安镇中心小学", PRIMARY, TOWN, False, 390, 12),
        SchoolRow("汤池镇中心小学", PRIMARY, TOWN, False, 470, 12),
        SchoolRow("汤池镇初级中学", JUNIOR, TOWN, True, 410, 10),
        SchoolRow("黄土岭镇九年一贯制学校", NINE_YEAR, RURAL, True, 360, 12),
        SchoolRow("周家镇中心小学", PRIMARY, TOWN, False, 340, 10),
        SchoolRow("建一镇中心小学", PRIMARY, TOWN, False, 380, 12),
        SchoolRow("周家镇第二小学", PRIMARY, RURAL, False, 82, 6),
        SchoolRow("黄土岭镇第二小学", PRIMARY, RURAL, False, 56, 5),
        SchoolRow("建一镇第二小学", PRIMARY, RURAL, False, 91, 6),
        SchoolRow("英才学校", NINE_YEAR, URBAN, True, 760, 18, is_public=False),
        SchoolRow("旗口镇第二小学", PRIMARY, RURAL, False, 23, 3, in_layout_plan=False),
    ),
}


class Work(NamedTuple):
    """A building work a school asks for: its floor area and cost per m², both relative."""

    kind: ConstructionKind
    work_type: WorkType
    size: int
    cost: int


_K, _W = ConstructionKind, WorkType

# The works each kind of school asks for, the most needed first.
WORKS = {
    "small": (
        Work(_K.TEACHING, _W.RENOVATION, 3, 9),
        Work(_K.TOILET, _W.NEW, 1, 22),
        Work(_K.BOILER, _W.RENOVATION, 1, 14),
    ),
    "special": (
        Work(_K.DORMITORY, _W.EXTENSION, 8, 20),
        Work(_K.TEACHING, _W.RENOVATION, 10, 9),
        Work(_K.SPORTS, _W.NEW, 10, 5),
    ),
    "boarding": (
        Work(_K.DORMITORY, _W.NEW, 14, 20),
        Work(_K.CANTEEN, _W.NEW, 6, 21),
        Work(_K.BATHHOUSE, _W.NEW, 2, 24),
        Work(_K.BOILER, _W.RENOVATION, 2, 14),
        Work(_K.SPORTS, _W.NEW, 16, 5),
    ),
    "urban": (
        Work(_K.TEACHING, _W.EXTENSION, 12, 18),
        Work(_K.SPORTS, _W.RENOVATION, 14, 4),
        Work(_K.TOILET, _W.RENOVATION, 1, 12),
    ),
    "town": (
        Work(_K.TEACHING, _W.NEW, 10, 20),
        Work(_K.SPORTS, _W.NEW, 14, 5),
        Work(_K.TOILET, _W.NEW, 1, 22),
        Work(_K.BOILER, _W.RENOVATION, 1, 14),
    ),
}
KIND_NAMES = {
    _K.TEACHING: "教学楼",
    _K.DORMITORY: "学生宿舍",
    _K.CANTEEN: "食堂",
    _K.BATHHOUSE: "浴室",
    _K.TOILET: "厕所",
    _K.BOILER: "锅炉房",
    _K.SPORTS: "运动场",
}
WORK_TYPE_NAMES = {_W.NEW: "新建工程", _W.EXTENSION: "改扩建工程", _W.RENOVATION: "维修改造工程"}

# Schools taken in this order for building works: rural and town schools first.
LOCATION_ORDER = (RURAL, TOWN, URBAN)


class Item(NamedTuple):
    category: EquipmentCategory
    item: str
    unit: Unit
    price: int | None  # yuan per unit; None where the city's totals set the quantity


COMPUTERS = Item(EquipmentCategory.COMPUTERS, "计算机及教学仪器设备", Unit.SET, None)
BOOKS = Item(EquipmentCategory.BOOKS, "图书", Unit.VOLUME, None)
DESKS = Item(EquipmentCategory.DESKS, "学生课桌凳", Unit.SET, None)
BEDS = Item(EquipmentCategory.LIVING, "学生用床", Unit.SET, 1200)
KITCHEN = Item(EquipmentCategory.LIVING, "食堂设备", Unit.PIECE, 8000)
SHOWERS = Item(EquipmentCategory.LIVING, "洗浴设备", Unit.SET, 28000)
HEATING = Item(EquipmentCategory.LIVING, "采暖设备", Unit.UNIT, 60000)
WATER = Item(EquipmentCategory.LIVING, "饮水设备", Unit.UNIT, 4800)
ARTS = Item(EquipmentCategory.ARTS_SPORTS, "音体美器材", Unit.PIECE, 2500)


class Package(NamedTuple):
    """What an equipment project buys: items with their share of its amount, in percent."""

    title: str
    lines: tuple[tuple[Item, int], ...]


# Day schools take these in turn; boarding schools take the boarding ones.
DAY_PACKAGES = (
    Package("计算机及教学仪器设备购置项目", ((COMPUTERS, 100),)),
    Package(
        "教学仪器、图书及音体美器材购置项目",
        ((COMPUTERS, 45), (BOOKS, 1), (DESKS, 5), (ARTS, 49)),
    ),
    Package("课桌凳及音体美器材购置项目", ((DESKS, 15), (ARTS, 85))),
    Package("教学仪器、图书及采暖设备购置项目", ((BOOKS, 2), (COMPUTERS, 40), (HEATING, 58))),
)
BOARDING_PACKAGES = (
    Package(
        "学生生活设施及教学设备购置项目",
        ((BEDS, 35), (KITCHEN, 40), (COMPUTERS, 20), (DESKS, 5)),
    ),
    Package("学生生活设施购置项目", ((BEDS, 45), (HEATING, 35), (WATER, 20))),
)
# The living-facilities line a building project of this kind may hold, and its share.
LIVING_IN_CONSTRUCTION = {
    _K.DORMITORY: BEDS,
    _K.CANTEEN: KITCHEN,
    _K.BATHHOUSE: SHOWERS,
    _K.BOILER: HEATING,
    _K.TEACHING: WATER,
}
LIVING_SHARE = Decimal("0.05")

# Relative multipliers taken in turn, so that like projects still differ in size.
VARIATION = (10, 13, 8, 12, 9, 14, 7, 11)
# Plan years taken in turn: most work fell in 2015-2016.
PLAN_YEARS = (2014, 2015, 2016, 2015, 2017, 2016, 2018, 2017, 2015, 2016)
# The first building project of this plan year in each county was implemented a year early.
EARLY_YEAR = 2016

_S = ProjectStatus
# How far projects of a plan year have got, taken in turn within the county.
PROGRESS = {
    ProjectCategory.CONSTRUCTION: {
        2014: (_S.IN_USE, _S.IN_USE, _S.AUDITED),
        2015: (_S.IN_USE, _S.AUDITED, _S.IN_USE, _S.ACCEPTED),
        2016: (_S.AUDITED, _S.IN_USE, _S.ACCEPTED, _S.AUDITED, _S.COMPLETED),
        2017: (_S.COMPLETED, _S.STARTED, _S.ACCEPTED, _S.CONTRACTED, _S.COMPLETED, _S.STARTED),
        2018: (_S.STARTED, _S.PLANNED, _S.TENDERED, _S.APPROVED, _S.CONTRACTED, _S.STARTED),
    },
    ProjectCategory.EQUIPMENT: {
        2014: (_S.ACCEPTED,),
        2015: (_S.ACCEPTED,),
        2016: (_S.ACCEPTED,),
        2017: (_S.ACCEPTED, _S.DELIVERED, _S.ACCEPTED, _S.CONTRACTED),
        2018: (_S.DELIVERED, _S.PLANNED, _S.TENDERED, _S.APPROVED, _S.CONTRACTED),
    },
}
# Days from the step before; a building's construction time is set by its floor area.
STEP_DAYS = {
    "tendered_on": 35,
    "contracted_on": 20,
    "started_on": 15,
    "delivered_on": 45,
    "accepted_on": 30,
    "audited_on": 120,
    "in_use_on": 20,
}

BUILDERS = (
    "营口建工集团有限公司",
    "盖州市城建工程有限公司",
    "大石桥市宏达建筑工程有限公司",
    "辽宁金鼎建设集团有限公司",
    "营口天宇建筑安装工程有限公司",
)
SUPERVISORS = ("营口正信工程监理有限公司", "辽宁建科工程监理有限公司", "营口华厦建设监理有限公司")
SUPPLIERS = (
    "辽宁北方教育装备有限公司",
    "营口博文教学仪器有限公司",
    "沈阳金桥课桌椅制造有限公司",
    "营口书香图书发行有限公司",
)
# Open tender from this amount on; smaller purchases go by the second method.
OPEN_TENDER_FROM = {
    ProjectCategory.CONSTRUCTION: (Decimal(2_000_000), TenderMethod.CONSULTATION),
    ProjectCategory.EQUIPMENT: (Decimal(1_000_000), TenderMethod.INQUIRY),
}
# Winning bids as per mille of the planned amount, taken in turn.
BID_RATIOS = (962, 925, 981, 948, 973, 917)


class DemoSchool(NamedTuple):
    code: str
    county: str  # county code
    name: str
    school_type: SchoolType
    location: SchoolLocation
    is_boarding: bool
    pupils: int
    classes: int
    is_public: bool
    in_layout_plan: bool

    @property
    def is_eligible(self) -> bool:
        return School(
            school_type=self.school_type,
            is_public=self.is_public,
            in_layout_plan=self.in_layout_plan,
        ).is_eligible


class DemoProject(NamedTuple):
    school: str  # school code
    fields: dict  # Project field values
    lines: list[dict]  # EquipmentLine field values


def schools() -> list[DemoSchool]:
    """Every demo school, coded county code + its number in the county."""
    return [
        DemoSchool(f"{county}{number:04d}", county, DISTRICT_NAMES[county] + row.name, *row[1:])
        for county, rows in SCHOOLS.items()
        for number, row in enumerate(rows, start=1)
    ]


def _split(total: Decimal, weights: Sequence, step: Decimal) -> list[Decimal]:
    """Share a total out in proportion to weights, in multiples of step; the last takes the rest."""
    whole = sum(weights)
    parts = [
        (total * weight / whole / step).quantize(Decimal(1), ROUND_HALF_UP) * step
        for weight in weights[:-1]
    ]
    return [*parts, total - sum(parts)]


def _round_down(amount: Decimal) -> Decimal:
    """Down to whole hundreds of yuan."""
    return (amount / 100).quantize(Decimal(1), ROUND_DOWN) * 100


def _size(school: DemoSchool, turn: int) -> int:
    """A school's weight: its pupils, plus a fixed base, varied by turn."""
    return (school.pupils + 500) * VARIATION[turn % len(VARIATION)]


def _works_for(school: DemoSchool) -> tuple[Work, ...]:
    if school.location == RURAL and school.pupils < SMALL_SCALE_PUPILS:
        return WORKS["small"]
    if school.school_type == SPECIAL:
        return WORKS["special"]
    if school.is_boarding:
        return WORKS["boarding"]
    return WORKS["urban" if school.location == URBAN else "town"]


def _in_turns(schools: Sequence[DemoSchool], choices: Callable) -> Iterator[tuple]:
    """Each school with its first choice, then each with its second, and so on."""
    options = [(school, choices(school)) for school in schools]
    for turn in range(max(len(choice) for _school, choice in options)):
        for school, choice in options:
            if turn < len(choice):
                yield school, choice[turn]


def _line(item: Item, amount: Decimal) -> dict:
    """An equipment line; the city's totals set the quantity later when the item has no price."""
    return {
        "category": item.category,
        "item": item.item,
        "unit": item.unit,
        "quantity": Decimal(max(1, int(amount // item.price))) if item.price else None,
        "amount": amount.quantize(CENT),
    }


def _construction(plan: CountyPlan, schools: list[DemoSchool]) -> list[DemoProject]:
    """The county's building projects: the schools' works in turn, rural schools first."""
    queue = sorted(schools, key=lambda school: LOCATION_ORDER.index(school.location))
    works = list(islice(_in_turns(queue, _works_for), plan.construction_projects))
    areas = _split(
        plan.construction_area,
        [work.size * _size(school, i) for i, (school, work) in enumerate(works)],
        Decimal(1),
    )
    amounts = _split(
        plan.construction_amount,
        [area * work.cost for area, (_school, work) in zip(areas, works, strict=True)],
        Decimal(100),
    )
    with_living = [i for i, (_s, work) in enumerate(works) if work.kind in LIVING_IN_CONSTRUCTION]
    with_living = set(with_living[: plan.construction_with_equipment])
    projects = []
    for i, ((school, work), area, amount) in enumerate(zip(works, areas, amounts, strict=True)):
        fields = {
            "name": school.name + KIND_NAMES[work.kind] + WORK_TYPE_NAMES[work.work_type],
            "category": ProjectCategory.CONSTRUCTION,
            "construction_kind": work.kind,
            "work_type": work.work_type,
            "plan_year": PLAN_YEARS[i % len(PLAN_YEARS)],
            "planned_area": area.quantize(CENT),
            "planned_amount": amount.quantize(CENT),
        }
        lines = []
        if i in with_living:
            item = LIVING_IN_CONSTRUCTION[work.kind]
            lines.append(_line(item, _round_down(amount * LIVING_SHARE)))
        projects.append(DemoProject(school.code, fields, lines))
    return projects


def _equipment(plan: CountyPlan, schools: list[DemoSchool]) -> list[DemoProject]:
    """The county's equipment projects, one a school in order, sized by its pupils."""
    chosen = list(islice(cycle(schools), plan.equipment_projects))
    amounts = _split(
        plan.equipment_amount,
        [_size(school, i) for i, school in enumerate(chosen)],
        Decimal(100),
    )
    projects = []
    for i, (school, amount) in enumerate(zip(chosen, amounts, strict=True)):
        packages = BOARDING_PACKAGES if school.is_boarding else DAY_PACKAGES
        package = packages[i % len(packages)]
        line_amounts = _split(amount, [share for _item, share in package.lines], Decimal(100))
        fields = {
            "name": school.name + package.title,
            "category": ProjectCategory.EQUIPMENT,
            "plan_year": PLAN_YEARS[(i + 3) % len(PLAN_YEARS)],
            "planned_amount": amount.quantize(CENT),
        }
        lines = [
            _line(item, line_amount)
            for (item, _share), line_amount in zip(package.lines, line_amounts, strict=True)
        ]
        projects.append(DemoProject(school.code, fields, lines))
    return projects


def _step_dates(category: str, status: str, approved_on: date, build_days: int) -> dict:
    """The date of every lifecycle step up to status, each some days after the one before."""
    if status == ProjectStatus.PLANNED:
        return {}
    dates, day = {}, approved_on
    for step, field in LIFECYCLE_STEPS[category]:
        day += timedelta(days=build_days if field == "completed_on" else STEP_DAYS.get(field, 0))
        dates[field] = day
        if step == status:
            return dates
    raise ValueError(f"{status} is not a step of a {category} project.")


def _progress(fields: dict, turn: int) -> dict:
    """Step dates, early implementation and tender facts of a project, by its turn in its year."""
    category, year, amount = fields["category"], fields["plan_year"], fields["planned_amount"]
    statuses = PROGRESS[category][year]
    is_early = category == ProjectCategory.CONSTRUCTION and year == EARLY_YEAR and turn == 0
    approved_on = date(year - 1 if is_early else year, 3, 1) + timedelta(days=turn * 17 % 90)
    build_days = 120 + int(fields.get("planned_area", 0) / 40)
    progress = {
        "is_early": is_early,
        **_step_dates(category, statuses[turn % len(statuses)], approved_on, build_days),
    }
    if "tendered_on" in progress:
        open_from, other_method = OPEN_TENDER_FROM[category]
        ratio = BID_RATIOS[(turn + year) % len(BID_RATIOS)]
        construction = category == ProjectCategory.CONSTRUCTION
        companies = BUILDERS if construction else SUPPLIERS
        progress |= {
            "contractor": companies[(turn + year) % len(companies)],
            "supervisor": SUPERVISORS[(turn + year) % len(SUPERVISORS)] if construction else "",
            "tender_method": TenderMethod.OPEN if amount >= open_from else other_method,
            "bid_price": _round_down(amount * ratio / 1000).quantize(CENT),
        }
    return progress


def _count_equipment(projects: list[DemoProject]) -> None:
    """Share the city's equipment totals out over the lines of their category, by amount."""
    for category, total in EQUIPMENT_QUANTITIES.items():
        lines = [line for project in projects for line in project.lines]
        lines = [line for line in lines if line["category"] == category]
        quantities = _split(Decimal(total), [line["amount"] for line in lines], Decimal(1))
        for line, quantity in zip(lines, quantities, strict=True):
            line["quantity"] = quantity


def projects() -> list[DemoProject]:
    """Every demo project with its equipment lines, coded county-year-number."""
    everyone = schools()
    projects = []
    for plan in COUNTY_PLANS:
        eligible = [s for s in everyone if s.county == plan.county and s.is_eligible]
        county_projects = _construction(plan, eligible) + _equipment(plan, eligible)
        numbers, turns = Counter(), Counter()
        for project in county_projects:
            fields = project.fields
            year = fields["plan_year"]
            numbers[year] += 1
            fields["code"] = f"{plan.county}-{year}-{numbers[year]:03d}"
            fields["programme"] = Programme.COMPREHENSIVE
            fields |= _progress(fields, turns[fields["category"], year])
            turns[fields["category"], year] += 1
        projects += county_projects
    _count_equipment(projects)
    return projects


@transaction.atomic
def load() -> Counter:
    """Create whatever of the demo data is missing and count what was created.

    Rows are keyed by their natural keys; existing ones are left untouched (not even saved
    again), so a second load adds no rows and no history.
    """
    created = Counter()
    districts = _load_districts(created)
    admin = _load_users(districts, created)
    demo_schools = _load_schools(districts, admin, created)
    _load_projects(demo_schools, admin, created)
    return created


def _load_districts(created: Counter) -> dict[str, District]:
    districts = District.objects.in_bulk([row[0] for row in DISTRICTS], field_name="code")
    for code, name, level, parent in DISTRICTS:
        if code not in districts:
            district = District(code=code, name=name, level=level, parent=districts.get(parent))
            district.full_clean()
            district.save()
            districts[code] = district
            created["districts"] += 1
    return districts


def _load_users(districts: dict[str, District], created: Counter):
    """Create the missing demo users; return the administrator, who does every write."""
    User = get_user_model()
    existing = set(
        User.objects.filter(username__in=[user.username for user in USERS]).values_list(
            "username", flat=True
        )
    )
    for demo_user in USERS:
        if demo_user.username in existing:
            continue
        administrator = demo_user.role == Role.ADMINISTRATOR
        user = User(
            username=demo_user.username,
            first_name=demo_user.first_name,
            role=demo_user.role,
            district=districts.get(demo_user.district),
            is_superuser=administrator,
            is_staff=administrator,
        )
        user.set_password(PASSWORD)
        user.full_clean()
        user.save()
        created["users"] += 1
    return User.objects.get(username=ADMIN)


def _load_schools(districts: dict[str, District], admin, created: Counter) -> dict[str, School]:
    demo_schools = schools()
    existing = School.objects.in_bulk([school.code for school in demo_schools], field_name="code")
    for school in demo_schools:
        if school.code not in existing:
            fields = school._asdict() | {"county": districts[school.county]}
            existing[school.code] = school_save(school=School(**fields), acting_user=admin)
            created["schools"] += 1
    return existing


def _load_projects(demo_schools: dict[str, School], admin, created: Counter) -> None:
    demo_projects = projects()
    existing = set(
        Project.objects.filter(
            code__in=[project.fields["code"] for project in demo_projects]
        ).values_list("code", flat=True)
    )
    for demo_project in demo_projects:
        if demo_project.fields["code"] in existing:
            continue
        project_save(
            project=Project(school=demo_schools[demo_project.school], **demo_project.fields),
            lines=[EquipmentLine(**line) for line in demo_project.lines],
            acting_user=admin,
        )
        created["projects"] += 1
        created["equipment lines"] += len(demo_project.lines)
