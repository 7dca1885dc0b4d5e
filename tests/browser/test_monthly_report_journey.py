"""The monthly report (月报) in a real browser (Debian's chromium through Playwright), on a desk:
盖州市's education bureau opens this month's report and fills it in (a refused row keeps what was
typed), submits it; the finance bureau confirms the funds; the city sees it in the tracker and
returns it; the county corrects it through the Excel round trip and submits again; finance
confirms again and the city approves and locks the month."""

import datetime
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from projects.choices import PROGRAMME_YEARS, Programme, ProjectStatus
from reports.choices import ReportState
from reports.models import Report, ReportEvent, ReportLine
from tests.factories import PASSWORD, ProjectFactory

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason="browser tests need Debian's chromium at /usr/bin/chromium",
    ),
]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the test also uses the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def desk_as(browser, live_server):
    """A desktop-sized page logged in as a user, on the monthly reports; one browser each."""
    contexts = []

    def open_desk(user):
        context = browser.new_context(viewport=DESK, locale="zh-CN", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/reports/")
        assert "/login/" in page.url
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r"/reports/$"))
        return page

    yield open_desk
    for context in contexts:
        context.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def row_of(page, project):
    """The entry table's row of a project."""
    return page.locator("table.report-table tbody tr", has_text=project.code)


def cell(row, field):
    """An input of a row of the entry formset, by field name (form-N-<field>)."""
    return row.locator(f"[name$='-{field}']")


def act(page, button, report):
    """Click a button whose form redirects back to the report (the page's own URL, so wait for
    the navigation itself rather than the URL)."""
    with page.expect_navigation(url=re.compile(rf"/reports/{report.pk}/$")):
        page.get_by_role("button", name=button).click()


def test_monthly_report_journey_from_entry_to_approval(
    transactional_db, live_server, tree, users, desk_as, tmp_path
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    # The start date reported: in this month and not in the future.
    started_on = first_of_month
    contracted_on = first_of_month - datetime.timedelta(days=10)

    # The latest plan year of the programme (2021-2025): still reported in the years after.
    plan_year = min(today.year, PROGRAMME_YEARS[Programme.CAPACITY][1])
    building = tree.projects["210881"]
    building.approved_on = contracted_on - datetime.timedelta(days=60)
    building.tendered_on = contracted_on - datetime.timedelta(days=30)
    building.contracted_on = contracted_on
    building.status = building.status_from_dates()
    building.plan_year = plan_year
    building.save()
    equipment = ProjectFactory.equipment(
        school=tree.schools["210881"],
        plan_year=plan_year,
        code="EQ-1",
        approved_on=contracted_on - datetime.timedelta(days=50),
        tendered_on=contracted_on - datetime.timedelta(days=20),
        status=ProjectStatus.TENDERED,
    )
    period = {"year": today.year, "month": today.month}
    label = f"{today.year}-{today.month:02d}"

    # 盖州市's education bureau opens this month's report.
    county = desk_as(users.gaizhou)
    county.get_by_role("link", name="月报").click()
    county.wait_for_url(re.compile(r"/reports/$"))
    county.get_by_label("年度").fill(str(period["year"]))
    county.get_by_label("月份").fill(str(period["month"]))
    county.get_by_label("期间").select_option(label="全月")
    shot(county, "report_list_desk")
    county.get_by_role("button", name="打开报表").click()
    county.wait_for_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get(county=tree.gaizhou, **period, half=0)
    assert report.state == ReportState.DRAFT
    assert county.locator("h1").inner_text().startswith(f"月报 · 盖州市 {label}")
    assert county.locator("table.report-table tbody tr").count() == 2

    # The building starts this month; the equipment row is refused (100% without a date).
    row = row_of(county, building)
    cell(row, "started_on").fill(started_on.isoformat())
    cell(row, "started_area").fill("600")
    cell(row, "investment_month").fill("80")
    cell(row, "progress").fill("30")
    cell(row_of(county, equipment), "progress").fill("100")
    county.get_by_role("button", name="保存").click()
    county.get_by_text("已保存 1 行；1 行未保存").wait_for()
    row = row_of(county, equipment)
    assert row.get_by_text("形象进度为100%的项目应填写竣工日期。").is_visible()
    assert cell(row, "progress").input_value() == "100"  # what was typed is still there
    shot(county, "report_entry_refused_row_desk")
    line = ReportLine.objects.get(report=report, project=building)
    assert (line.started_area, line.investment_to_date, line.progress) == (
        Decimal("600"),
        Decimal("800000"),
        30,
    )
    assert ReportLine.objects.get(report=report, project=equipment).progress == 0

    # Corrected: the contract is signed, the delivery is under way.
    cell(row, "started_on").fill(started_on.isoformat())
    cell(row, "progress").fill("40")
    act(county, "保存", report)
    assert county.get_by_text("已保存 1 行。").is_visible()
    assert cell(row_of(county, building), "progress").input_value() == "30"
    assert cell(row_of(county, equipment), "progress").input_value() == "40"
    equipment.refresh_from_db()
    assert equipment.contracted_on == started_on
    act(county, "上报至财政局确认", report)
    assert county.get_by_text("报表状态：已上报，待财政确认。").is_visible()
    assert county.locator("table.report-table input:not([type=hidden])").count() == 0

    # The finance bureau confirms the fund figures.
    finance = desk_as(users.gaizhou_finance)
    finance.get_by_role("link", name=label).click()
    finance.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
    act(finance, "确认资金数据", report)
    assert finance.get_by_text("报表状态：财政已确认，待市级审核。").is_visible()

    # The city sees who has reported, and returns 盖州市's report.
    city = desk_as(users.city)
    city.goto(f"{live_server.url}/reports/tracker/?year={today.year}&month={today.month}&half=0")
    tracker = city.locator("table.tracker")
    gaizhou_row = tracker.locator("tr", has_text="盖州市")
    assert gaizhou_row.get_by_text("财政已确认，待市级审核").is_visible()
    assert gaizhou_row.get_by_text("按时").is_visible()
    assert tracker.locator("tr", has_text="大石桥市").get_by_text("未开始").is_visible()
    assert city.locator(".missing").inner_text() == "尚未上报： 大石桥市"
    shot(city, "report_tracker_desk")
    city.set_viewport_size(PHONE)
    shot(city, "report_tracker_phone")
    city.set_viewport_size(DESK)
    gaizhou_row.get_by_role("link").click()
    city.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
    city.get_by_label("原因").fill("开工面积与督导核实不符，请核对形象进度")
    act(city, "退回县(区)", report)
    assert city.get_by_text("报表状态：已退回。").is_visible()

    # The county sees why, and corrects the progress through the Excel round trip.
    county.reload()
    steps = county.locator("ol.timeline li")
    assert steps.count() == 3
    assert steps.nth(2).inner_text().startswith("已退回 · yingkou")
    assert county.get_by_text("原因：开工面积与督导核实不符，请核对形象进度").is_visible()
    assert county.get_by_role("alert").get_by_text(re.compile("yingkou 于 .* 退回")).is_visible()
    shot(county, "report_entry_returned_desk")
    county.get_by_role("link", name="用 Excel 填报").click()
    county.wait_for_url(re.compile(rf"/reports/{report.pk}/import/$"))
    with county.expect_download() as download:
        county.get_by_role("link", name="下载模板（.xlsx）").click()
    template = tmp_path / "月报模板.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(template)
    sheet = workbook.active
    headers = [header.value for header in sheet[1]]
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert codes == ["EQ-1", building.code]
    progress_cell = sheet.cell(
        row=2 + codes.index(building.code), column=1 + headers.index("形象进度(%)")
    )
    assert progress_cell.value == 30
    progress_cell.value = 45
    filled = tmp_path / "盖州市月报.xlsx"
    workbook.save(filled)

    county.locator("input[type=file]").set_input_files(str(filled))
    county.get_by_role("button", name="检查文件").click()
    # imports.js posts the file by XHR and writes the answer into the page.
    expect(county.get_by_text("文件检查通过")).to_be_visible()
    expect(county.locator("#result")).to_contain_text(
        "文件检查通过：将写入 1 行。目前尚未保存任何内容。"
    )
    changes = county.locator("table.import-changes")
    assert changes.get_by_text(re.compile(r"形象进度\(%\) 30 → 45")).is_visible()
    assert changes.locator("tbody tr").count() == 1  # the unchanged EQ-1 row writes nothing
    shot(county, "report_import_preview_desk")
    assert ReportLine.objects.get(report=report, project=building).progress == 30
    county.get_by_role("button", name="确认导入").click()
    county.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
    assert county.get_by_text("已从 盖州市月报.xlsx 导入 1 行。").is_visible()
    assert cell(row_of(county, building), "progress").input_value() == "45"
    assert cell(row_of(county, building), "started_area").input_value() == "600.00"
    act(county, "上报至财政局确认", report)

    # Finance confirms again; the city approves and the month is locked.
    finance.reload()
    act(finance, "确认资金数据", report)
    city.reload()
    act(city, "审核通过并锁定", report)
    assert city.get_by_text("报表状态：已审批。").is_visible()
    shot(city, "report_approved_city_desk")

    county.reload()
    assert county.locator(".page-head .state").inner_text() == "已审批"
    assert county.locator("table.report-table input, table.report-table textarea").count() == 0
    assert county.get_by_role("button", name="保存").count() == 0
    assert county.get_by_role("link", name="用 Excel 填报").count() == 0
    assert county.get_by_role("button", name="上报至财政局确认").count() == 0
    locked = row_of(county, building)
    assert locked.get_by_text("45%").is_visible()
    assert locked.get_by_text(started_on.isoformat()).is_visible()
    shot(county, "report_approved_county_desk")

    report.refresh_from_db()
    assert report.state == ReportState.APPROVED
    assert report.first_submitted_at is not None and not report.is_late
    line = ReportLine.objects.get(report=report, project=building)
    assert line.started_on == started_on and line.completed_on is None
    assert (line.started_area, line.completed_area) == (Decimal("600"), Decimal("0"))
    assert (line.investment_month, line.investment_to_date) == (
        Decimal("800000"),
        Decimal("800000"),
    )
    assert line.progress == 45
    assert line.arrived_to_date == 0 and line.paid_to_date == 0  # kept by finance's confirmation
    building.refresh_from_db()
    assert building.started_on == started_on and building.status == ProjectStatus.STARTED
    other = ReportLine.objects.get(report=report, project=equipment)
    assert (other.started_on, other.started_area, other.progress) == (started_on, None, 40)
    events = ReportEvent.objects.filter(report=report).order_by("at", "pk")
    assert [(event.action, event.actor.username) for event in events] == [
        ("submit", "gaizhou"),
        ("confirm", "gaizhou_finance"),
        ("return", "yingkou"),
        ("submit", "gaizhou"),
        ("confirm", "gaizhou_finance"),
        ("approve", "yingkou"),
    ]
    assert events[2].reason == "开工面积与督导核实不符，请核对形象进度"
    assert [event.to_state for event in events] == [
        "submitted",
        "confirmed",
        "returned",
        "submitted",
        "confirmed",
        "approved",
    ]
