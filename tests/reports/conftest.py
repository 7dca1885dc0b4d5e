"""A county with a contracted construction project and an equipment project, and a clock
stopped on 2024-06-03: May's report is due on 2024-06-05."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from reports import services
from reports.models import ReportLine
from tests.factories import ProjectFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock(monkeypatch):
    """Stop the clock; `clock.set(date)` moves it."""
    state = SimpleNamespace()

    def set_day(day: datetime.date, hour=10):
        state.now = datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)

    set_day(datetime.date(2024, 6, 3))
    monkeypatch.setattr(services, "_now", lambda: state.now)
    state.set = set_day
    return state


@pytest.fixture
def county(tree, users, clock):
    building = tree.projects["210881"]
    building.approved_on = datetime.date(2024, 1, 10)
    building.tendered_on = datetime.date(2024, 2, 10)
    building.contracted_on = datetime.date(2024, 3, 1)
    building.status = building.status_from_dates()
    building.plan_year = 2024
    building.save()
    equipment = ProjectFactory.equipment(
        school=tree.schools["210881"],
        plan_year=2024,
        code="EQ-1",
        approved_on=datetime.date(2024, 1, 5),
        tendered_on=datetime.date(2024, 2, 5),
        status="tendered",
    )
    return SimpleNamespace(building=building, equipment=equipment)


@pytest.fixture
def may(county, users, tree):
    """盖州市's report of May 2024, opened by its education bureau."""
    return services.report_open(
        county=tree.gaizhou, year=2024, month=5, half=0, acting_user=users.gaizhou
    )


def line_of(report, project) -> ReportLine:
    return ReportLine.objects.select_related("project", "report").get(
        report=report, project=project
    )


def fill(report, project, user, **figures):
    """Save a line through the service, as the entry page does."""
    line = line_of(report, project)
    for name, value in figures.items():
        setattr(line, name, value)
    return services.report_line_save(line=line, acting_user=user)
