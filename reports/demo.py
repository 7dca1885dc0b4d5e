"""The demo's monthly reports: 营口市's counties reporting the last months of 2017.

The months are replayed through the services with the clock set inside each month, as the
bureaus would have lived them: each county opens its report at the end of the month, fills
every project's figures as of that day (from the project's step dates), submits early in the
next month, the finance bureau confirms and the city approves. In the last month 大石桥市
submits late and the city returns its report once, and 盖州市's report waits for the city;
so the tracker and the report pages have something to show.
"""

import datetime
from collections import Counter
from contextlib import contextmanager
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from projects.choices import ProjectCategory
from projects.models import District
from reports import selectors, services
from reports.models import DeadlineException, Report, period_end

MONTHS = ((2017, 9), (2017, 10), (2017, 11))
COUNTIES = {"210881": ("gaizhou", "gaizhou_finance"), "210882": ("dashiqiao", "dashiqiao_finance")}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@contextmanager
def clock_at(day: datetime.date):
    """Run the report services as if it were 10:00 on `day`."""
    real = services._now
    services._now = lambda: datetime.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    try:
        yield
    finally:
        services._now = real


def load() -> Counter:
    created = Counter()
    if Report.objects.exists() or not District.objects.filter(code__in=COUNTIES).exists():
        # A database loaded before reports kept their totals gets them now.
        for report in Report.objects.filter(
            half=0, state__in=selectors.COUNTED_STATES[True], totals__isnull=True
        ):
            services.report_totals_refresh(report)
        return created
    users = get_user_model().objects.in_bulk(
        ["yingkou", *[name for pair in COUNTIES.values() for name in pair]],
        field_name="username",
    )
    city = users["yingkou"]
    for index, (year, month) in enumerate(MONTHS):
        last = index == len(MONTHS) - 1
        end = period_end(year, month, 0)
        for code, (education, finance) in COUNTIES.items():
            county = District.objects.get(code=code)
            with clock_at(end):
                report = services.report_open(
                    county=county, year=year, month=month, half=0, acting_user=users[education]
                )
                _fill(report, users[education])
            created["monthly reports"] += 1
            late = last and code == "210882"
            submit_day = report.due_date + datetime.timedelta(days=2 if late else -2)
            with clock_at(submit_day):
                if late:
                    services.deadline_exception_grant(
                        exception=DeadlineException(
                            county=county,
                            year=year,
                            month=month,
                            until=submit_day + datetime.timedelta(days=3),
                            reason="县教育局更换填报人员，申请延期三天。",
                        ),
                        acting_user=city,
                    )
                services.report_submit(report=report, acting_user=users[education])
                services.report_confirm(report=report, acting_user=users[finance])
                if last and code == "210881":
                    continue  # waits for the city
                if late:
                    services.report_return(
                        report=report,
                        acting_user=city,
                        reason="请核实各项目开工面积，与监理日志不一致。",
                    )
                    services.report_submit(report=report, acting_user=users[education])
                    services.report_confirm(report=report, acting_user=users[finance])
                services.report_approve(report=report, acting_user=city)
    return created


def _fill(report, user) -> None:
    """Every line's figures as of the end of the period, from the project's dates."""
    previous = selectors.previous_lines(report)
    end = report.ends_on
    for line in selectors.report_lines(report):
        project = line.project
        progress = _progress(line, end)
        before = previous.get(line.project_id)
        to_date = (project.planned_amount * progress / 100).quantize(
            Decimal("100"), rounding=ROUND_DOWN
        )
        line.progress = progress
        line.investment_month = max(to_date - (before.investment_to_date if before else 0), 0)
        if project.category == ProjectCategory.CONSTRUCTION:
            area = project.planned_area or 0
            line.started_area = area if line.started_on else 0
            line.completed_area = area if line.completed_on else 0
        services.report_line_save(line=line, acting_user=user, previous=before)


def _progress(line, end) -> int:
    if line.completed_on:
        return 100
    if not line.started_on:
        return 0
    days = (end - line.started_on).days
    return max(5, min(95, days * 100 // 240))
