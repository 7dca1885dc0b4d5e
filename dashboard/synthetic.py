"""A synthetic province for load tests of the dashboard (manage.py generate_province).

合成省 (code 990000 unless told otherwise) with its cities (合成市01…), counties (合成县001…,
numbered across the province), schools, 能力提升 projects (plan years 2021-2025), their
funding plans, tranches, arrivals and payments, and the monthly reports of the last months
with their kept totals. Everything is bulk-inserted (no history rows) and satisfies the
database constraints and the rules the services apply:

- a project's status is the last of its step dates, none after the last generated month;
  construction ≈ 55% (300-5,000 m²), equipment ≈ 35% (2-4 equipment lines of the reporting
  categories, in their units), IT ≈ 10%; a few stall at a step, some start late;
- each project plans 50% central, 30% provincial, 20% county matching money, to the fen;
- central and provincial money comes down as one tranche per year and source to the province,
  split to each city and again to each county; county matching money is one tranche per
  county and year; arrivals never exceed a tranche;
- money arrives for a project shortly before each payment it funds (at the contract, half-way,
  completion or delivery, and the final accounts) and is paid to the contractor from the
  same source, so paid ≤ arrived per project and source at every date; a few projects hold
  funds unpaid (滞留), some pay late;
- each county reports every month (Half.WHOLE): one line per reportable project (plan year
  reached or implemented early, not already reported finished in an approved report), with
  the project's dates as of the month end, the areas (started = planned once started,
  completed = planned once completed), the progress (by time elapsed, 100 exactly when
  completed or delivered) and the investment (progress × amount, cumulative: this month's is
  the growth since the previous report), and, once confirmed by finance, the funds; earlier
  months are approved; in the last month a few counties are missing, a few reports submitted
  only or confirmed only; some reports were submitted after the due date;
- the totals of each counted report come from reports.services.report_totals_refresh, the
  fund totals of each county and month (and its funds held unpaid) from
  funding.services.fund_totals_refresh, the plan totals of each county from
  funding.services.plan_totals_refresh.

The first county always has the last month's report approved. Three users, with one password
(hashed once): <prefix>_province, <prefix>_city (the first city) and <prefix>_county (the
first county's education bureau), "synth" by default.

Running it again for a province code that exists is refused (SyntheticError); nothing is
changed then. The data depends only on the scale and the seed.
"""

import datetime
import random
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from funding.choices import FundLevel
from funding.models import (
    Allocation,
    Arrival,
    FundingPlanLine,
    FundTotals,
    Payment,
    PlanTotals,
)
from funding.services import fund_totals_refresh, plan_totals_refresh
from gaibo.choices import Role
from projects.choices import (
    CATEGORY_UNITS,
    COMPULSORY_SCHOOL_TYPES,
    LIFECYCLE_STEPS,
    PROGRAMME_YEARS,
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
from projects.models import District, EquipmentLine, Project, School
from reports.choices import Half, ReportState
from reports.models import Report, ReportLine, due_date, period_end, period_start
from reports.services import PROGRESS_DATES, report_totals_refresh

DEFAULT_CODE = "990000"
BATCH_SIZE = 2000
SHANGHAI = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
THOUSAND = Decimal(1000)

PROGRAMME = Programme.CAPACITY
PLAN_YEARS = tuple(range(PROGRAMME_YEARS[PROGRAMME][0], PROGRAMME_YEARS[PROGRAMME][1] + 1))
FIRST_MONTH = (PLAN_YEARS[0], 1)

SHARES = ((FundLevel.CENTRAL, Decimal("0.5")), (FundLevel.PROVINCIAL, Decimal("0.3")))
# The rest of a project's amount is county matching money.
SOURCES = (FundLevel.CENTRAL, FundLevel.PROVINCIAL, FundLevel.COUNTY)
UPPER_SOURCES = (FundLevel.CENTRAL, FundLevel.PROVINCIAL)


class SyntheticError(ValueError):
    """The scale asked for cannot be generated (or the province is there already)."""


@dataclass(frozen=True)
class Scale:
    """What to generate. `end` is the last reported month; `months` how many end there."""

    counties: int = 100
    schools_per_county: int = 100
    projects_per_school: int = 4
    months: int = 24
    cities: int | None = None  # default: one city per 10 counties
    end: tuple[int, int] = (2025, 12)
    seed: int = 1
    code: str = DEFAULT_CODE
    user_prefix: str = "synth"
    password: str = "synth-password"

    @property
    def city_count(self) -> int:
        return self.cities or max(1, round(self.counties / 10))

    @property
    def month_list(self) -> list[tuple[int, int]]:
        year, month = self.end
        months = []
        for _index in range(self.months):
            months.append((year, month))
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return months[::-1]

    @property
    def usernames(self) -> dict[str, str]:
        return {level: f"{self.user_prefix}_{level}" for level in ("province", "city", "county")}


@dataclass
class Result:
    """What was created: rows per table, and the seconds of each phase."""

    province: District | None = None
    city: District | None = None
    county: District | None = None
    rows: Counter = field(default_factory=Counter)
    phases: list = field(default_factory=list)  # (name, rows, seconds)

    @property
    def seconds(self) -> float:
        return sum(seconds for _name, _rows, seconds in self.phases)


def check_scale(scale: Scale, today: datetime.date | None = None) -> None:
    """Refuse what the district codes, the programme or the calendar cannot hold."""
    today = today or timezone.localdate()
    problems = []
    if len(scale.code) != 6 or not scale.code.isdigit() or not scale.code.endswith("0000"):
        problems.append(f"the province code is six digits ending in 0000, not {scale.code!r}")
    if scale.counties < 1 or scale.schools_per_county < 1 or scale.projects_per_school < 1:
        problems.append("counties, schools per county and projects per school are at least 1")
    if scale.months < 1:
        problems.append("months is at least 1")
    cities = scale.city_count
    if not 1 <= cities <= min(scale.counties, 99):
        problems.append(f"cities is 1 to min(counties, 99), not {cities}")
    elif -(-scale.counties // cities) > 99:
        problems.append("at most 99 counties per city (two digits of the code)")
    if scale.schools_per_county > 9999:
        problems.append("at most 9,999 schools per county (four digits of the school code)")
    if scale.months >= 1:
        first = scale.month_list[0]
        if first < FIRST_MONTH:
            problems.append(
                f"the first month {first[0]}-{first[1]:02d} is before the programme "
                f"({FIRST_MONTH[0]}-01); fewer months or a later --end"
            )
    if not 1 <= scale.end[1] <= 12:
        problems.append("the end month is 1 to 12")
    elif period_end(*scale.end, Half.WHOLE) >= today:
        problems.append(
            f"the end month {scale.end[0]}-{scale.end[1]:02d} has not ended yet (today {today})"
        )
    if problems:
        raise SyntheticError("; ".join(problems))


def generate(scale: Scale, *, log: Callable[[str], None] = print) -> Result:
    """Create the synthetic province in one transaction (refused if its code exists)."""
    check_scale(scale)
    usernames = list(scale.usernames.values())
    with transaction.atomic():
        if District.objects.filter(code=scale.code).exists():
            raise SyntheticError(
                f"district {scale.code} exists already: the synthetic province is generated "
                "once (use another --code, or a fresh database)"
            )
        taken = list(
            get_user_model()
            .objects.filter(username__in=usernames)
            .values_list("username", flat=True)
        )
        if taken:
            raise SyntheticError(f"the users {', '.join(taken)} exist already (--user-prefix)")
        generator = _Generator(scale, log)
        generator.run()
    return generator.result


# --- the tables the generator draws from -------------------------------------------------------

# School type: weight, name suffix, pupils (low, high) in an urban, town and rural school.
SCHOOL_TYPES = {
    SchoolType.PRIMARY: (60, "小学", ((800, 3000), (250, 1500), (30, 600))),
    SchoolType.JUNIOR: (18, "初级中学", ((800, 2600), (300, 1600), (120, 700))),
    SchoolType.NINE_YEAR: (10, "九年一贯制学校", ((900, 3000), (300, 1600), (60, 800))),
    SchoolType.TWELVE_YEAR: (2, "十二年一贯制学校", ((1500, 4000), (800, 2500), (400, 1200))),
    SchoolType.COMPLETE_MIDDLE: (2, "完全中学", ((1200, 3500), (600, 2200), (300, 1000))),
    SchoolType.SPECIAL: (1, "特殊教育学校", ((60, 300), (30, 160), (20, 90))),
    SchoolType.HIGH: (4, "高级中学", ((1500, 4000), (800, 2500), (500, 1500))),
    SchoolType.KINDERGARTEN: (3, "幼儿园", ((150, 500), (80, 300), (20, 150))),
}
LOCATIONS = ((SchoolLocation.URBAN, 25), (SchoolLocation.TOWN, 35), (SchoolLocation.RURAL, 40))
TOWNS = ("东关", "西城", "南岭", "北山", "大石", "青山", "河口", "柳林", "桃园", "新民")
TOWNS += ("黄土坡", "杨家", "高桥", "马集", "双庙", "石门", "白沙", "龙泉", "三河", "前进")

# Building kind: weight, name. Work type: weight, name, yuan per m² (low, high).
KINDS = {
    ConstructionKind.TEACHING: (30, "教学及辅助用房"),
    ConstructionKind.DORMITORY: (15, "学生宿舍"),
    ConstructionKind.TEACHER_HOUSING: (6, "教师周转宿舍"),
    ConstructionKind.CANTEEN: (12, "食堂"),
    ConstructionKind.BATHHOUSE: (3, "浴室"),
    ConstructionKind.TOILET: (10, "厕所"),
    ConstructionKind.BOILER: (4, "锅炉房"),
    ConstructionKind.SPORTS: (10, "运动场"),
    ConstructionKind.ENCLOSURE: (5, "围墙及大门"),
    ConstructionKind.CAMPUS: (5, "校园文化及绿化"),
}
WORK_TYPES = {
    WorkType.NEW: (40, "新建", (2800, 4200)),
    WorkType.EXTENSION: (25, "改扩建", (2000, 3200)),
    WorkType.RENOVATION: (35, "维修改造", (600, 1500)),
}

# Equipment by reporting category: weight, and the items bought, each with its quantity
# (low, high) and price in yuan per unit (low, high). Units: CATEGORY_UNITS.
EQUIPMENT = {
    EquipmentCategory.COMPUTERS: (
        30,
        (
            ("学生计算机", (20, 150), (3000, 6000)),
            ("交互式智能黑板", (5, 40), (8000, 15000)),
            ("理科实验仪器", (10, 80), (2000, 8000)),
        ),
    ),
    EquipmentCategory.BOOKS: (20, (("图书", (2000, 30000), (25, 40)),)),
    EquipmentCategory.DESKS: (20, (("课桌凳", (100, 1200), (300, 600)),)),
    EquipmentCategory.LIVING: (
        15,
        (
            ("学生床", (40, 400), (600, 1500)),
            ("食堂设备", (5, 60), (2000, 20000)),
            ("饮水设备", (5, 40), (1500, 5000)),
        ),
    ),
    EquipmentCategory.ARTS_SPORTS: (
        10,
        (
            ("体育器材", (20, 300), (200, 2000)),
            ("音乐器材", (10, 100), (500, 5000)),
            ("美术器材", (20, 200), (100, 800)),
        ),
    ),
    EquipmentCategory.DIGITAL: (5, (("数字教育资源", (50, 2000), (20, 200)),)),
}
IT_ITEMS = (
    (EquipmentCategory.COMPUTERS, "网络及服务器设备", (2, 20), (20000, 80000)),
    (EquipmentCategory.COMPUTERS, "录播教室设备", (1, 4), (150000, 400000)),
    (EquipmentCategory.DIGITAL, "数字教育资源", (100, 3000), (20, 200)),
)
BUILDERS = ("建工", "城建", "华兴", "宏远", "鼎盛", "恒基", "安泰", "长城")
SUPPLIERS = ("教育装备", "科教仪器", "信息技术", "文化用品", "智能科技")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴")


def _weighted(table: dict) -> tuple[list, list]:
    return list(table), [row[0] for row in table.values()]


# --- the generator -----------------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    """A project as generated, with what the later phases need to know of it."""

    project: Project
    county_index: int
    start_field: str
    end_field: str
    # The day the works (or the delivery) would finish, reached or not: progress is measured
    # against it. None for a project that never gets there.
    finish: datetime.date | None
    nominal_finish: datetime.date | None
    timeline: dict  # step date field → date, including those after the last month
    funds: list = field(default_factory=list)  # (day, arrived, paid): the project's records


def _floor(amount: Decimal, step: Decimal = CENT) -> Decimal:
    """Rounded down to a multiple of `step` (0.01, 100, 1000), with two decimal places."""
    return ((amount / step).to_integral_value(ROUND_DOWN) * step).quantize(CENT)


def plan_amounts(amount: Decimal) -> dict[str, Decimal]:
    """A project's amount by source: 50% central, 30% provincial, the rest county, to the fen."""
    amounts = {source: _floor(amount * share) for source, share in SHARES}
    amounts[FundLevel.COUNTY] = amount - sum(amounts.values())
    return amounts


class _Generator:
    def __init__(self, scale: Scale, log):
        self.scale = scale
        self.log = log
        self.rng = random.Random(scale.seed)
        self.months = scale.month_list
        self.as_of = period_end(*scale.end, Half.WHOLE)
        self.result = Result()
        self.counties: list[District] = []
        self.schools: list[list[School]] = []  # by county index
        self.plans: list[Plan] = []
        self.tranches: dict[tuple, Allocation] = {}  # (county index, year, source) → tranche
        self.report_rows: dict[tuple, Report] = {}  # (county index, year, month) → report

    def run(self):
        total = time.perf_counter()
        self.log(
            f"Generating {self.scale.counties} counties × {self.scale.schools_per_county} schools "
            f"× {self.scale.projects_per_school} projects, {self.scale.months} months to "
            f"{self.scale.end[0]}-{self.scale.end[1]:02d} (seed {self.scale.seed})"
        )
        self.districts()
        self.users()
        self.make_schools()
        self.make_projects()
        self.funding_plans()
        self.make_tranches()
        self.funds()
        self.reports()
        self.analyze()  # before the totals: their queries need the planner's statistics
        self.totals()
        rows = ", ".join(f"{count:,} {name}" for name, count in self.result.rows.items())
        self.log(f"Done in {time.perf_counter() - total:.1f} s: {rows}")

    @contextmanager
    def phase(self, name: str):
        start = time.perf_counter()
        before = sum(self.result.rows.values())
        yield
        seconds = time.perf_counter() - start
        rows = sum(self.result.rows.values()) - before
        self.result.phases.append((name, rows, seconds))
        self.log(f"  {name:<28} {rows:>10,} rows {seconds:>8.1f} s")

    def insert(self, model, objects: list, name: str) -> list:
        created = model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        self.result.rows[name] += len(created)
        return created

    def uniform_days(self, low: int, high: int) -> datetime.timedelta:
        return datetime.timedelta(days=self.rng.randint(low, high))

    # --- districts, users, schools -------------------------------------------------------------

    def districts(self):
        scale = self.scale
        with self.phase("districts"):
            (province,) = self.insert(
                District,
                [District(code=scale.code, name="合成省", level=DistrictLevel.PROVINCE)],
                "districts",
            )
            city_count = scale.city_count
            cities = self.insert(
                District,
                [
                    District(
                        code=f"{scale.code[:2]}{number:02d}00",
                        name=f"合成市{number:02d}",
                        level=DistrictLevel.CITY,
                        parent=province,
                    )
                    for number in range(1, city_count + 1)
                ],
                "districts",
            )
            counties = []
            for index in range(scale.counties):
                # Contiguous groups of nearly equal size, in order.
                city_index = index * city_count // scale.counties
                first = -(-city_index * scale.counties // city_count)
                city = cities[city_index]
                counties.append(
                    District(
                        code=f"{city.code[:4]}{index - first + 1:02d}",
                        name=f"合成县{index + 1:03d}",
                        level=DistrictLevel.COUNTY,
                        parent=city,
                    )
                )
            self.counties = self.insert(District, counties, "districts")
        self.result.province = province
        self.result.city = cities[0]
        self.result.county = self.counties[0]

    def users(self):
        scale = self.scale
        names = scale.usernames
        with self.phase("users"):
            password = make_password(scale.password)  # hashed once for the three users
            self.insert(
                get_user_model(),
                [
                    get_user_model()(
                        username=names["province"],
                        first_name="合成省教育厅",
                        role=Role.PROVINCE,
                        district=self.result.province,
                        password=password,
                    ),
                    get_user_model()(
                        username=names["city"],
                        first_name=f"{self.result.city.name}教育局",
                        role=Role.CITY,
                        district=self.result.city,
                        password=password,
                    ),
                    get_user_model()(
                        username=names["county"],
                        first_name=f"{self.result.county.name}教育局",
                        role=Role.COUNTY_EDUCATION,
                        district=self.result.county,
                        password=password,
                    ),
                ],
                "users",
            )

    def make_schools(self):
        rng = self.rng
        types, type_weights = _weighted(SCHOOL_TYPES)
        locations = [location for location, _weight in LOCATIONS]
        location_weights = [weight for _location, weight in LOCATIONS]
        rows = []
        with self.phase("schools"):
            for county in self.counties:
                for number in range(1, self.scale.schools_per_county + 1):
                    if number == 1:  # every county has its 实验小学, in the plan
                        school_type, location = SchoolType.PRIMARY, SchoolLocation.URBAN
                    else:
                        school_type = rng.choices(types, type_weights)[0]
                        location = rng.choices(locations, location_weights)[0]
                    _weight, suffix, pupils_by_location = SCHOOL_TYPES[school_type]
                    pupils = rng.randint(*pupils_by_location[locations.index(location)])
                    per_class = 25 if location == SchoolLocation.RURAL else 45
                    if number == 1:
                        name = f"{county.name}实验小学"
                    elif location == SchoolLocation.URBAN:
                        name = f"{county.name}第{number}{suffix}"
                    else:
                        town = TOWNS[(number * 7 + len(county.name)) % len(TOWNS)]
                        place = "镇" if location == SchoolLocation.TOWN else "乡"
                        name = f"{county.name}{town}{place}{suffix}{number}"
                    rows.append(
                        School(
                            code=f"{county.code}{number:04d}",
                            name=name,
                            county=county,
                            school_type=school_type,
                            location=location,
                            is_boarding=school_type != SchoolType.PRIMARY
                            and location != SchoolLocation.URBAN
                            and rng.random() < 0.6,
                            pupils=pupils,
                            classes=max(1, -(-pupils // per_class)),
                            is_public=number == 1 or rng.random() < 0.98,
                            in_layout_plan=number == 1 or rng.random() < 0.97,
                        )
                    )
            created = self.insert(School, rows, "schools")
        per_county = self.scale.schools_per_county
        self.schools = [
            created[index * per_county : (index + 1) * per_county]
            for index in range(len(self.counties))
        ]

    # --- projects --------------------------------------------------------------------------------

    def make_projects(self):
        rng = self.rng
        projects, lines = [], []
        with self.phase("projects"):
            for county_index, county in enumerate(self.counties):
                eligible = [
                    school
                    for school in self.schools[county_index]
                    if school.is_public
                    and school.in_layout_plan
                    and school.school_type in COMPULSORY_SCHOOL_TYPES
                ]
                total = self.scale.schools_per_county * self.scale.projects_per_school
                # Every eligible school gets one project, the rest go by size.
                chosen = eligible[:total] + rng.choices(
                    eligible,
                    [school.pupils + 50 for school in eligible],
                    k=max(0, total - len(eligible)),
                )
                chosen.sort(key=lambda school: school.code)
                numbers = Counter()
                for school in chosen:
                    plan, equipment = self.project(county_index, county, school, numbers)
                    self.plans.append(plan)
                    projects.append(plan.project)
                    lines.append(equipment)
            self.insert(Project, projects, "projects")
        with self.phase("equipment lines"):
            rows = []
            for plan, equipment in zip(self.plans, lines, strict=True):
                for line in equipment:
                    line.project = plan.project
                    rows.append(line)
            self.insert(EquipmentLine, rows, "equipment lines")

    def project(self, county_index: int, county: District, school: School, numbers: Counter):
        rng = self.rng
        draw = rng.random()
        if draw < 0.55:
            category = ProjectCategory.CONSTRUCTION
        elif draw < 0.90:
            category = ProjectCategory.EQUIPMENT
        else:
            category = ProjectCategory.IT
        plan_year = rng.choice(PLAN_YEARS)
        is_early = plan_year > PLAN_YEARS[0] and rng.random() < 0.04
        numbers[county.code] += 1
        fields = {
            "code": f"{county.code}-{plan_year}-{numbers[county.code]:04d}",
            "school": school,
            "programme": PROGRAMME,
            "category": category,
            "plan_year": plan_year,
            "is_early": is_early,
        }
        equipment = []
        if category == ProjectCategory.CONSTRUCTION:
            kinds, kind_weights = _weighted(KINDS)
            kind = rng.choices(kinds, kind_weights)[0]
            works, work_weights = _weighted(WORK_TYPES)
            work = rng.choices(works, work_weights)[0]
            area = Decimal(rng.randrange(300, 5001, 10))
            low, high = WORK_TYPES[work][2]
            amount = _floor(area * rng.randint(low, high), THOUSAND)
            if (
                kind in (ConstructionKind.DORMITORY, ConstructionKind.CANTEEN)
                and rng.random() < 0.3
            ):
                item, quantities, prices = EQUIPMENT[EquipmentCategory.LIVING][1][0]
                equipment.append(
                    self.equipment_line(EquipmentCategory.LIVING, item, quantities, prices)
                )
            amount += sum((line.amount for line in equipment), Decimal(0))
            fields |= {
                "name": f"{school.name}{KINDS[kind][1]}{WORK_TYPES[work][1]}工程",
                "construction_kind": kind,
                "work_type": work,
                "planned_area": area,
                "planned_amount": amount,
            }
        else:
            if category == ProjectCategory.EQUIPMENT:
                categories, weights = _weighted(EQUIPMENT)
                picked = []
                while len(picked) < rng.randint(2, 4):
                    choice = rng.choices(categories, weights)[0]
                    if choice not in picked:
                        picked.append(choice)
                for choice in picked:
                    item, quantities, prices = rng.choice(EQUIPMENT[choice][1])
                    equipment.append(self.equipment_line(choice, item, quantities, prices))
                name = f"{school.name}教育装备购置项目"
            else:
                for choice, item, quantities, prices in rng.sample(IT_ITEMS, rng.randint(1, 2)):
                    equipment.append(self.equipment_line(choice, item, quantities, prices))
                name = f"{school.name}教育信息化建设项目"
            fields |= {
                "name": name,
                "planned_amount": sum((line.amount for line in equipment), Decimal(0)),
            }
        project = Project(**fields)
        plan = self.lifecycle(project, county_index)
        return plan, equipment

    def equipment_line(self, category, item, quantities, prices) -> EquipmentLine:
        rng = self.rng
        unit = CATEGORY_UNITS[category][0] if category != EquipmentCategory.LIVING else Unit.SET
        if category in (EquipmentCategory.COMPUTERS, EquipmentCategory.ARTS_SPORTS):
            unit = rng.choice(CATEGORY_UNITS[category])
        quantity = rng.randint(*quantities)
        return EquipmentLine(
            category=category,
            item=item,
            unit=unit,
            quantity=Decimal(quantity),
            amount=Decimal(quantity * rng.randint(*prices)),
        )

    def lifecycle(self, project: Project, county_index: int) -> Plan:
        """The project's step dates: the whole course it would run, and those reached by the
        last month on the project (its status the last of them)."""
        rng, days = self.rng, self.uniform_days
        year = project.plan_year
        construction = project.category == ProjectCategory.CONSTRUCTION
        if project.is_early:
            approved = datetime.date(year - 1, 9, 1) + days(0, 100)
        elif construction:
            approved = datetime.date(year, 1, 10) + days(0, 170)
        else:
            approved = datetime.date(year, 2, 1) + days(0, 180)
        timeline = {"approved_on": approved}
        timeline["tendered_on"] = approved + days(15, 60)
        timeline["contracted_on"] = timeline["tendered_on"] + days(10, 30)
        if construction:
            start = timeline["contracted_on"] + days(7, 45)
            if rng.random() < 0.10:  # held up: land, design changes, winter
                start += days(90, 365)
            timeline["started_on"] = start
            if project.work_type == WorkType.RENOVATION:
                duration = rng.randint(60, 180)
            elif project.work_type == WorkType.EXTENSION:
                duration = rng.randint(150, 360)
            else:
                duration = 180 + int(project.planned_area) * 300 // 5000 + rng.randint(0, 120)
            nominal = start + datetime.timedelta(days=duration)
            if rng.random() < 0.15:
                duration += rng.randint(30, 180)
            timeline["completed_on"] = start + datetime.timedelta(days=duration)
            timeline["accepted_on"] = timeline["completed_on"] + days(15, 60)
            timeline["audited_on"] = timeline["accepted_on"] + days(30, 120)
            timeline["in_use_on"] = timeline["audited_on"] + days(5, 30)
            stall = 0.05
        else:
            start = timeline["contracted_on"]
            nominal = start + days(20, 120)
            delivered = nominal + (days(30, 150) if rng.random() < 0.10 else datetime.timedelta())
            timeline["delivered_on"] = delivered
            timeline["accepted_on"] = delivered + days(10, 45)
            stall = 0.04
        steps = [step_field for _status, step_field in LIFECYCLE_STEPS[project.category]]
        if rng.random() < stall:  # stuck after one of the first steps, for good
            for later in steps[rng.randint(1, 4 if construction else 3) :]:
                timeline.pop(later)
        project.status = ProjectStatus.PLANNED
        for status, step_field in LIFECYCLE_STEPS[project.category]:
            day = timeline.get(step_field)
            if day is None or day > self.as_of:
                break
            setattr(project, step_field, day)
            project.status = status
        if project.contracted_on is not None:
            number = rng.randint(1, 40)
            if construction:
                project.contractor = f"合成{rng.choice(BUILDERS)}建设集团第{number}工程有限公司"
                project.supervisor = f"合成工程监理有限公司 {rng.choice(SURNAMES)}工"
                open_tender = project.planned_amount >= 4_000_000
            else:
                project.contractor = f"合成{rng.choice(SUPPLIERS)}有限公司{number}分公司"
                open_tender = project.planned_amount >= 2_000_000
            project.tender_method = (
                TenderMethod.OPEN
                if open_tender
                else rng.choice(
                    (TenderMethod.INQUIRY, TenderMethod.CONSULTATION, TenderMethod.OPEN)
                )
            )
            project.bid_price = _floor(
                project.planned_amount * Decimal(rng.randint(880, 990)) / 1000, HUNDRED
            )
        start_field, end_field = PROGRESS_DATES[project.category]
        return Plan(
            project=project,
            county_index=county_index,
            start_field=start_field,
            end_field=end_field,
            finish=timeline.get(end_field),
            nominal_finish=nominal,
            timeline=timeline,
        )

    # --- money -------------------------------------------------------------------------------

    def funding_plans(self):
        with self.phase("funding plan lines"):
            rows = [
                FundingPlanLine(project=plan.project, source=source, amount=amount)
                for plan in self.plans
                for source, amount in plan_amounts(plan.project.planned_amount).items()
                if amount
            ]
            self.insert(FundingPlanLine, rows, "funding plan lines")

    def make_tranches(self):
        """Central and provincial: province → city → county, one tranche per year and source;
        county matching: one per county and year. Only those issued by the last month."""
        needed = defaultdict(Decimal)
        for plan in self.plans:
            for source, amount in plan_amounts(plan.project.planned_amount).items():
                needed[(plan.county_index, plan.project.plan_year, source)] += amount
        years = sorted(
            year
            for year in {year for _c, year, _s in needed}
            if datetime.date(year, 4, 10) <= self.as_of
        )
        province = self.result.province
        cities = {county.parent_id: county.parent for county in self.counties}
        with self.phase("tranches"):
            upper, middle, lower = {}, {}, {}
            for year in years:
                for number, source in enumerate(UPPER_SOURCES, start=1):
                    amount = sum(
                        (a for (_c, y, s), a in needed.items() if y == year and s == source),
                        Decimal(0),
                    )
                    document = (
                        "财教〔{}〕{}号" if source == FundLevel.CENTRAL else "合财教〔{}〕{}号"
                    )
                    upper[(year, source)] = Allocation(
                        source=source,
                        document_number=document.format(year, 20 + number),
                        issued_on=datetime.date(year, 2, 20),
                        year=year,
                        recipient=province,
                        amount=amount,
                    )
            self.insert(Allocation, list(upper.values()), "tranches")
            for (year, source), parent in upper.items():
                for city_id, city in cities.items():
                    amount = sum(
                        (
                            needed[(index, year, source)]
                            for index, county in enumerate(self.counties)
                            if county.parent_id == city_id
                        ),
                        Decimal(0),
                    )
                    number = UPPER_SOURCES.index(source) + 31
                    if amount:
                        middle[(city_id, year, source)] = Allocation(
                            source=source,
                            document_number=f"合{city.code[2:4]}财教〔{year}〕{number}号",
                            issued_on=datetime.date(year, 3, 15),
                            year=year,
                            recipient=city,
                            amount=amount,
                            split_from=parent,
                        )
            self.insert(Allocation, list(middle.values()), "tranches")
            for year in years:
                for index, county in enumerate(self.counties):
                    for number, source in enumerate(SOURCES, start=1):
                        amount = needed.get((index, year, source))
                        if not amount:
                            continue
                        parent = middle.get((county.parent_id, year, source))
                        lower[(index, year, source)] = Allocation(
                            source=source,
                            document_number=f"合县{index + 1:03d}财教〔{year}〕{number * 10 + 1}号",
                            issued_on=datetime.date(year, 4, 1 if parent else 10),
                            year=year,
                            recipient=county,
                            amount=amount,
                            split_from=parent,
                        )
            self.insert(Allocation, list(lower.values()), "tranches")
        self.tranches = lower

    def milestones(self, plan: Plan) -> list[tuple[datetime.date, Decimal]]:
        """(day, share of the plan paid by then) of the project's payments, as it would run."""
        days = self.uniform_days
        timeline = plan.timeline
        points = []
        if "contracted_on" not in timeline:
            return points
        points.append((timeline["contracted_on"] + days(10, 45), Decimal("0.3")))
        if plan.project.category == ProjectCategory.CONSTRUCTION:
            if "started_on" in timeline:
                start = timeline["started_on"]
                middle = start + (plan.nominal_finish - start) // 2
                points.append((max(middle, points[-1][0] + days(10, 30)), Decimal("0.6")))
            if "completed_on" in timeline:
                points.append((timeline["completed_on"] + days(20, 60), Decimal("0.9")))
            if "audited_on" in timeline:
                points.append((timeline["audited_on"] + days(15, 45), Decimal(1)))
        else:
            if "delivered_on" in timeline:
                points.append((timeline["delivered_on"] + days(15, 45), Decimal("0.9")))
            if "accepted_on" in timeline:
                points.append((timeline["accepted_on"] + days(20, 60), Decimal(1)))
        for index in range(1, len(points)):  # in order
            if points[index][0] <= points[index - 1][0]:
                points[index] = (points[index - 1][0] + days(5, 20), points[index][1])
        return points

    def funds(self):
        """Each payment is preceded by the money it needs arriving from the county's tranche
        of the source (10-75 days before); a few projects never pay what arrived (held), some
        pay 100-200 days late once."""
        rng, days = self.rng, self.uniform_days
        arrivals, payments = [], []
        vouchers = Counter()
        remaining = {key: tranche.amount for key, tranche in self.tranches.items()}
        with self.phase("arrivals and payments (build)"):
            for plan in self.plans:
                project = plan.project
                county = self.counties[plan.county_index]
                signers = (
                    f"{county.name}教育局 {SURNAMES[plan.county_index % 10]}某、"
                    f"{county.name}财政局 {SURNAMES[(plan.county_index + 3) % 10]}某"
                )
                holds = rng.random() < 0.03
                late_at = rng.randrange(4) if rng.random() < 0.06 else None
                amounts = plan_amounts(project.planned_amount)
                paid_share = {source: Decimal(0) for source in SOURCES}
                for step, (pay_day, share) in enumerate(self.milestones(plan)):
                    for source in SOURCES:
                        tranche = self.tranches.get((plan.county_index, project.plan_year, source))
                        if tranche is None:
                            continue
                        target = amounts[source] if share == 1 else _floor(amounts[source] * share)
                        amount = target - paid_share[source]
                        if (
                            amount <= 0
                            or amount > remaining[(plan.county_index, project.plan_year, source)]
                        ):
                            continue
                        arrived_on = max(
                            pay_day - days(10, 75),
                            tranche.issued_on + days(3, 20),
                            plan.timeline["approved_on"],
                        )
                        if arrived_on > self.as_of:
                            continue
                        remaining[(plan.county_index, project.plan_year, source)] -= amount
                        paid_share[source] = target
                        arrivals.append(
                            Arrival(
                                allocation=tranche,
                                project=project,
                                amount=amount,
                                arrived_on=arrived_on,
                            )
                        )
                        plan.funds.append((arrived_on, amount, Decimal(0)))
                        paid_on = max(pay_day, arrived_on + days(5, 20))
                        if late_at == step:
                            paid_on += days(100, 200)
                        if holds or paid_on > self.as_of:
                            continue
                        vouchers[county.code] += 1
                        payments.append(
                            Payment(
                                project=project,
                                source=source,
                                payee=project.contractor,
                                amount=amount,
                                paid_on=paid_on,
                                voucher_number=f"{county.code}-{vouchers[county.code]:06d}",
                                approved_by=signers,
                                approved_on=paid_on - days(1, 5),
                            )
                        )
                        plan.funds.append((paid_on, Decimal(0), amount))
        with self.phase("arrivals"):
            self.insert(Arrival, arrivals, "arrivals")
        with self.phase("payments"):
            self.insert(Payment, payments, "payments")

    # --- the monthly reports --------------------------------------------------------------------

    def report_states(self) -> dict[int, str | None]:
        """The last month's state of each county's report (None: missing); the first county
        approved. Earlier months are all approved."""
        count = len(self.counties)
        others = list(range(1, count))
        self.rng.shuffle(others)

        def share(part):
            return max(1, round(count * part)) if count >= 4 else 0

        states = dict.fromkeys(range(count), ReportState.APPROVED)
        picks = (
            (None, share(0.05)),
            (ReportState.SUBMITTED, share(0.10)),
            (ReportState.CONFIRMED, share(0.05)),
        )
        for state, how_many in picks:
            for _n in range(how_many):
                if others:
                    states[others.pop()] = state
        return states

    def reports(self):
        last_states = self.report_states()
        rng = self.rng
        reports = {}
        with self.phase("reports"):
            for index, county in enumerate(self.counties):
                for year, month in self.months:
                    last = (year, month) == self.scale.end
                    state = last_states[index] if last else ReportState.APPROVED
                    if state is None:
                        continue
                    due = due_date(year, month, Half.WHOLE)
                    late = rng.random() < 0.08
                    day = due + (self.uniform_days(1, 6) if late else -self.uniform_days(0, 4))
                    submitted = datetime.datetime(
                        day.year, day.month, day.day, 16 if not late else 10, tzinfo=SHANGHAI
                    )
                    reports[(index, year, month)] = Report(
                        county=county,
                        year=year,
                        month=month,
                        half=Half.WHOLE,
                        ends_on=period_end(year, month, Half.WHOLE),
                        state=state,
                        first_submitted_at=min(submitted, timezone.now()),
                        is_late=late,
                    )
            self.insert(Report, list(reports.values()), "reports")
        self.report_rows = reports

        by_county = defaultdict(list)
        for plan in self.plans:
            by_county[plan.county_index].append(plan)
        with self.phase("report lines"):
            batch, built = [], 0
            for index in range(len(self.counties)):
                plans = sorted(by_county[index], key=lambda plan: plan.project.code)
                lines = self.county_lines(index, plans)
                batch += lines
                built += len(lines)
                if len(batch) >= 20 * BATCH_SIZE:
                    self.insert(ReportLine, batch, "report lines")
                    batch = []
                done = index + 1
                if len(self.counties) >= 20 and done % (len(self.counties) // 10) == 0:
                    self.log(f"    … {done} counties, {built:,} lines")
            self.insert(ReportLine, batch, "report lines")

    def county_lines(self, index: int, plans: list[Plan]) -> list[ReportLine]:
        lines = []
        done = set()  # reported finished (100%) in an approved report
        previous = {}  # project pk → investment to date, in the county's previous report
        funds = {}
        for plan in plans:
            events = sorted(plan.funds)
            funds[plan.project.pk] = (
                [event[0] for event in events],
                list(accumulate(event[1] for event in events)),
                list(accumulate(event[2] for event in events)),
            )
        for year, month in self.months:
            report = self.report_rows.get((index, year, month))
            if report is None:
                continue
            end = report.ends_on
            start = period_start(year, month, Half.WHOLE)
            confirmed = report.state in (ReportState.CONFIRMED, ReportState.APPROVED)
            current, finished = {}, []
            for plan in plans:
                project = plan.project
                if project.pk in done or not (project.plan_year <= year or project.is_early):
                    continue
                line = self.line(report, plan, end, previous.get(project.pk))
                if confirmed:
                    days, arrived, paid = funds[project.pk]
                    upto = bisect_right(days, end)
                    before = bisect_right(days, start - datetime.timedelta(days=1))
                    line.arrived_to_date = arrived[upto - 1] if upto else Decimal(0)
                    line.paid_to_date = paid[upto - 1] if upto else Decimal(0)
                    line.arrived_month = line.arrived_to_date - (
                        arrived[before - 1] if before else 0
                    )
                    line.paid_month = line.paid_to_date - (paid[before - 1] if before else 0)
                current[project.pk] = line.investment_to_date
                if line.progress == 100 and report.state == ReportState.APPROVED:
                    finished.append(project.pk)
                lines.append(line)
            done.update(finished)
            previous = current
        return lines

    def line(self, report: Report, plan: Plan, end: datetime.date, before) -> ReportLine:
        project = plan.project
        started = getattr(project, plan.start_field)
        started = started if started is not None and started <= end else None
        completed = getattr(project, plan.end_field)
        completed = completed if completed is not None and completed <= end else None
        if completed is not None:
            progress = 100
        elif started is not None:
            finish = plan.finish or plan.nominal_finish
            whole = max(1, (finish - started).days)
            progress = max(5, min(95, (end - started).days * 100 // whole))
        else:
            progress = 0
        to_date = _floor(project.planned_amount * progress / HUNDRED, HUNDRED)
        is_construction = project.category == ProjectCategory.CONSTRUCTION
        area = project.planned_area
        return ReportLine(
            report=report,
            project=project,
            status=project.status_on(end),
            started_on=started,
            completed_on=completed,
            started_area=(area if started else Decimal(0)) if is_construction else None,
            completed_area=(area if completed else Decimal(0)) if is_construction else None,
            investment_month=to_date - before if before is not None else to_date,
            investment_to_date=to_date,
            progress=progress,
        )

    def totals(self):
        counted = [
            report
            for report in self.report_rows.values()
            if report.state in (ReportState.SUBMITTED, ReportState.CONFIRMED, ReportState.APPROVED)
        ]
        with self.phase("report totals (service)"):
            for number, report in enumerate(counted, start=1):
                report_totals_refresh(report)
                if len(counted) >= 200 and number % (len(counted) // 10) == 0:
                    self.log(f"    … {number:,} of {len(counted):,} reports")
            self.result.rows["report totals"] += len(counted)
        with self.phase("fund totals (service)"):
            fund_totals_refresh({(county.pk, None) for county in self.counties})
            self.result.rows["fund totals"] += FundTotals.objects.filter(
                county__in=self.counties
            ).count()
        with self.phase("plan totals (service)"):
            plan_totals_refresh([county.pk for county in self.counties])
            self.result.rows["plan totals"] += PlanTotals.objects.filter(
                county__in=self.counties
            ).count()

    def analyze(self):
        """Fresh planner statistics for the tables just filled (PostgreSQL)."""
        if connection.vendor != "postgresql":
            return
        tables = [
            model._meta.db_table
            for model in (
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
            )
        ] + ["reports_reporttotals", "funding_fundtotals"]
        with self.phase("analyze"), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')


# --- the audit -----------------------------------------------------------------------------------


def audit(province: District) -> list[str]:
    """What in a generated province breaks a rule the services apply (an empty list when all
    hold). The database holds the check constraints; this checks the rest, row by row, so it
    is for small provinces (the test's): a project's status and its funding plan, its
    equipment units; every tranche within its amount; paid within arrived per project and
    source at every payment; every report listing exactly its reportable projects, each line
    passing check_line against the previous report's with neither error nor warning, and its
    kept funds those of the funding records."""
    from django.db.models import Sum

    from reports import selectors
    from reports.services import check_line

    problems = []
    counties = District.objects.filter(parent__parent=province)
    projects = Project.objects.filter(school__county__in=counties).prefetch_related(
        "funding_plan", "equipment_lines", "arrivals__allocation", "payments"
    )
    for project in projects:
        if project.status != project.status_from_dates():
            problems.append(f"{project.code}: status {project.status} is not its last step")
        planned = sum((line.amount for line in project.funding_plan.all()), Decimal(0))
        if planned != project.planned_amount:
            problems.append(f"{project.code}: funding plan {planned} ≠ {project.planned_amount}")
        for line in project.equipment_lines.all():
            if line.unit not in CATEGORY_UNITS[line.category]:
                problems.append(f"{project.code}: {line.category} counted in {line.unit}")
        events = [(a.arrived_on, 0, a.allocation.source, a.amount) for a in project.arrivals.all()]
        events += [(p.paid_on, 1, p.source, -p.amount) for p in project.payments.all()]
        balance = Counter()
        for day, _order, source, amount in sorted(events):
            balance[source] += amount
            if balance[source] < 0:
                problems.append(f"{project.code}: {source} paid beyond arrived on {day}")
        if project.payments.exists() and not project.contractor:
            problems.append(f"{project.code}: paid without a contractor")
    tranches = Allocation.objects.filter(
        recipient__in=[province, *District.objects.filter(parent=province), *counties]
    ).annotate(arrived=Sum("arrivals__amount"))
    for tranche in tranches:
        used = (tranche.arrived or 0) + sum(
            (split.amount for split in tranche.splits.all()), Decimal(0)
        )
        if used > tranche.amount:
            problems.append(f"tranche {tranche.document_number}: {used} used of {tranche.amount}")
    for report in Report.objects.filter(county__in=counties).order_by("county__code", "ends_on"):
        previous = selectors.previous_lines(report)
        listed = {
            line.project_id: line
            for line in ReportLine.objects.filter(report=report).select_related("project", "report")
        }
        expected = set(selectors.reportable_projects(report, previous).values_list("pk", flat=True))
        if set(listed) != expected:
            problems.append(f"report {report}: lines for {len(listed)} of {len(expected)} projects")
        funds = selectors.project_funds(report, list(listed))
        for project_id, line in listed.items():
            errors, warnings = check_line(line, previous.get(project_id))
            for message in [*errors.values(), *warnings.values()]:
                problems.append(f"{report} {line.project.code}: {message}")
            if line.status != line.project.status_on(report.ends_on):
                problems.append(f"{report} {line.project.code}: status {line.status}")
            before = previous.get(project_id)
            growth = line.investment_to_date - (before.investment_to_date if before else 0)
            if line.investment_month != growth:
                problems.append(f"{report} {line.project.code}: investment of the month")
            kept = (line.arrived_to_date, line.paid_to_date, line.arrived_month, line.paid_month)
            if report.state in (ReportState.CONFIRMED, ReportState.APPROVED):
                live = funds[project_id]
                wanted = (
                    live.arrived_to_date,
                    live.paid_to_date,
                    live.arrived_month,
                    live.paid_month,
                )
                if kept != wanted:
                    problems.append(f"{report} {line.project.code}: funds {kept} ≠ {wanted}")
            elif kept != (None, None, None, None):
                problems.append(f"{report} {line.project.code}: funds kept before confirmation")
        if getattr(report, "totals", None) is None:
            problems.append(f"report {report}: no totals")
    return problems
