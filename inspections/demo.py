"""Demo supervision: the city's inspectors' visits to 盖州市 and 大石桥市, 2015-2018.

The first seed says the city's on-site and written supervision "已达15次以上"; the demo has 16
visits, the checklist filled in, and findings at every step of their rectification, all made
through the services by the demo users (projects/demo.py). `load()` creates what is missing:
a visit is known by its date and kind, so loading again adds nothing.
"""

from collections import Counter
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from inspections import services
from inspections.choices import (
    CheckArea,
    CheckOutcome,
    FindingStatus,
    Severity,
    TeamUnit,
    VisitKind,
)
from inspections.models import Finding, FindingEvent, TeamMember, Visit
from projects.models import District, Project

GAIZHOU, DASHIQIAO = "210881", "210882"


class DemoFinding(NamedTuple):
    county: str
    area: str
    description: str
    severity: str
    days: int  # the deadline, this many days after the visit
    status: str  # how far its rectification has come


class DemoVisit(NamedTuple):
    day: date
    kind: str
    counties: tuple[str, ...]
    summary: str
    findings: tuple[DemoFinding, ...] = ()


ON_SITE, WRITTEN = VisitKind.ON_SITE, VisitKind.WRITTEN
BOTH = (GAIZHOU, DASHIQIAO)

VISITS = (
    DemoVisit(
        date(2015, 4, 21),
        ON_SITE,
        BOTH,
        "全面改薄开局督导：抽查开工项目的审批手续和施工安全。",
        (
            DemoFinding(
                GAIZHOU,
                CheckArea.APPROVAL,
                "两所学校的维修改造项目未办理施工许可",
                Severity.MAJOR,
                30,
                FindingStatus.CLOSED,
            ),
        ),
    ),
    DemoVisit(date(2015, 7, 8), WRITTEN, BOTH, "书面督导：核查上半年项目台账与月报数据。"),
    DemoVisit(
        date(2015, 10, 15),
        ON_SITE,
        (DASHIQIAO,),
        "督导校舍建设进度与工程质量。",
        (
            DemoFinding(
                DASHIQIAO,
                CheckArea.CONSTRUCTION,
                "教学楼施工现场临边防护不到位",
                Severity.SERIOUS,
                15,
                FindingStatus.CLOSED,
            ),
        ),
    ),
    DemoVisit(date(2016, 3, 17), WRITTEN, BOTH, "书面督导：2016年度项目计划与资金来源。"),
    DemoVisit(
        date(2016, 5, 24),
        ON_SITE,
        (GAIZHOU,),
        "督导在建项目施工安全与资金拨付。",
        (
            DemoFinding(
                GAIZHOU,
                CheckArea.FUNDS,
                "部分工程款未按报账制直接支付给施工单位",
                Severity.MAJOR,
                30,
                FindingStatus.CLOSED,
            ),
        ),
    ),
    DemoVisit(date(2016, 9, 6), ON_SITE, BOTH, "秋季开学前督导：校舍竣工验收与投入使用。"),
    DemoVisit(date(2016, 12, 2), WRITTEN, BOTH, "书面督导：年度资金到位与支出情况。"),
    DemoVisit(
        date(2017, 3, 28),
        ON_SITE,
        (DASHIQIAO,),
        "督导设备购置项目的采购与验收。",
        (
            DemoFinding(
                DASHIQIAO,
                CheckArea.ACCEPTANCE,
                "课桌凳到货后未组织验收即投入使用",
                Severity.MINOR,
                20,
                FindingStatus.CLOSED,
            ),
        ),
    ),
    DemoVisit(date(2017, 5, 16), ON_SITE, (GAIZHOU,), "督导寄宿制学校宿舍和食堂建设。"),
    DemoVisit(date(2017, 6, 29), WRITTEN, BOTH, "书面督导：半年工作进展与问题整改情况。"),
    DemoVisit(
        date(2017, 9, 12),
        ON_SITE,
        BOTH,
        "督导项目档案管理与资金使用。",
        (
            DemoFinding(
                GAIZHOU,
                CheckArea.ARCHIVES,
                "项目档案缺少变更签证和验收记录",
                Severity.MINOR,
                30,
                FindingStatus.VERIFIED,
            ),
        ),
    ),
    DemoVisit(date(2017, 11, 23), ON_SITE, (DASHIQIAO,), "督导冬季施工安全。"),
    DemoVisit(date(2018, 3, 20), WRITTEN, BOTH, "书面督导：2018年度收官项目安排。"),
    DemoVisit(
        date(2018, 5, 8),
        ON_SITE,
        BOTH,
        "收官督导：未完工工程进度与资金支付。",
        (
            DemoFinding(
                DASHIQIAO,
                CheckArea.FUNDS,
                "专项资金到位后滞留未支付超过三个月",
                Severity.SERIOUS,
                30,
                FindingStatus.SUBMITTED,
            ),
            DemoFinding(
                GAIZHOU,
                CheckArea.CONSTRUCTION,
                "运动场跑道施工质量不达标，存在开裂",
                Severity.MAJOR,
                45,
                FindingStatus.IN_PROGRESS,
            ),
        ),
    ),
    DemoVisit(
        date(2018, 8, 21),
        ON_SITE,
        (GAIZHOU,),
        "督导竣工验收与决算审计。",
        (
            DemoFinding(
                GAIZHOU,
                CheckArea.ACCEPTANCE,
                "两项竣工工程未组织竣工验收",
                Severity.MAJOR,
                30,
                FindingStatus.OPEN,
            ),
        ),
    ),
    DemoVisit(date(2018, 11, 13), WRITTEN, BOTH, "书面督导：全面改薄工作总结与档案归档。"),
)

TEAMS = {
    ON_SITE: (
        ("张志强", TeamUnit.SUPERVISION_OFFICE, True),
        ("王丽", TeamUnit.INSPECTION_OFFICE, False),
        ("刘洋", TeamUnit.EDUCATION, False),
        ("陈静", TeamUnit.FINANCE, False),
    ),
    WRITTEN: (
        ("张志强", TeamUnit.SUPERVISION_OFFICE, True),
        ("刘洋", TeamUnit.EDUCATION, False),
    ),
}

# The steps each final status needs, after the finding is raised.
STEPS = {
    FindingStatus.OPEN: (),
    FindingStatus.IN_PROGRESS: ("start",),
    FindingStatus.SUBMITTED: ("submit",),
    FindingStatus.VERIFIED: ("submit", "verify"),
    FindingStatus.CLOSED: ("submit", "verify", "close"),
}
COUNTY_USERS = {GAIZHOU: "gaizhou", DASHIQIAO: "dashiqiao"}


@transaction.atomic
def load() -> Counter:
    """Create the demo visits that are missing, with their checklist and findings."""
    created = Counter()
    users = get_user_model().objects.in_bulk(
        ["inspector", *COUNTY_USERS.values()], field_name="username"
    )
    inspector = users["inspector"]
    counties = District.objects.in_bulk(BOTH, field_name="code")
    existing = set(Visit.objects.values_list("visited_on", "kind"))
    for turn, demo in enumerate(VISITS):
        if (demo.day, demo.kind) in existing:
            continue
        visit = _visit(demo, turn, counties, inspector)
        created["supervision visits"] += 1
        for finding in demo.findings:
            _finding(visit, finding, counties, inspector, users)
            created["findings"] += 1
    return created


def _visit(demo: DemoVisit, turn: int, counties: dict, inspector) -> Visit:
    projects = []
    if demo.kind == ON_SITE:
        for code in demo.counties:
            candidates = Project.objects.filter(school__county__code=code).order_by("code")
            projects.append(candidates[(7 * turn) % candidates.count()])
    visit = services.visit_save(
        visit=Visit(kind=demo.kind, visited_on=demo.day, summary=demo.summary),
        counties=[counties[code] for code in demo.counties],
        schools=[project.school for project in projects],
        projects=projects,
        team_members=[
            TeamMember(name=name, unit=unit, is_leader=leader)
            for name, unit, leader in TEAMS[demo.kind]
        ],
        acting_user=inspector,
    )
    problems = []
    for finding in demo.findings:
        result = visit.check_results.filter(area=finding.area).first()
        if result is not None:
            result.outcome, result.note = CheckOutcome.PROBLEM, finding.description
            problems.append(result)
    services.check_results_save(
        visit=visit, results=problems, rest_passed=True, acting_user=inspector
    )
    return visit


def _finding(visit: Visit, demo: DemoFinding, counties: dict, inspector, users) -> None:
    county = counties[demo.county]
    finding = services.finding_raise(
        finding=Finding(
            visit=visit,
            check_result=visit.check_results.filter(
                area=demo.area, outcome=CheckOutcome.PROBLEM
            ).first(),
            responsible_county=county,
            description=demo.description,
            requirement="限期整改到位，并报送整改材料。",
            severity=demo.severity,
            responsible_unit=f"{county.name}教育局",
            deadline=visit.visited_on + timedelta(days=demo.days),
        ),
        acting_user=inspector,
    )
    county_user = users[COUNTY_USERS[demo.county]]
    for step in STEPS[demo.status]:
        if step == "start":
            services.finding_start(finding=finding, acting_user=county_user)
        elif step == "submit":
            services.finding_submit(
                finding=finding,
                evidence="已按要求整改，附整改报告和现场照片。",
                acting_user=county_user,
            )
        elif step == "verify":
            services.finding_verify(
                finding=finding, comment="现场复核，整改到位。", acting_user=inspector
            )
        else:
            services.finding_close(finding=finding, acting_user=inspector)
    _date_the_steps(finding)


def _date_the_steps(finding: Finding) -> None:
    """Date the finding and its steps as they would have happened, from the visit to just
    before the deadline, not the moment the demo was loaded: a dashboard of a past month
    counts a finding overdue when it was not verified by that month's end."""
    visited = finding.visit.visited_on
    span = (finding.deadline - visited).days
    events = list(finding.events.order_by("at", "pk"))

    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 10, tzinfo=timezone.get_current_timezone())

    Finding.objects.filter(pk=finding.pk).update(raised_at=at(visited))
    for number, event in enumerate(events):
        day = visited + timedelta(days=span * number // len(events))
        FindingEvent.objects.filter(pk=event.pk).update(at=at(day))
