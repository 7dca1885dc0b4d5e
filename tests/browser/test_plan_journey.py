"""A plan from upload to public disclosure in a real browser (Debian's chromium through
Playwright): 盖州市 starts its 2021-2025 plan and uploads it from Excel with an office building
and a kindergarten in it; both are flagged and submitting is blocked; the county fixes them and
submits; the city returns one project with a comment; the county corrects it and submits
again; the city passes it on and the province approves; the public page, without login, lists
the approved projects and nothing private."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from plans.choices import PlanAction, PlanState
from plans.imports import PlanItemImportForm
from plans.models import Plan
from projects.choices import SchoolType
from projects.models import Project
from tests.factories import PASSWORD, SchoolFactory
from tests.spreadsheets import xlsx_bytes

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
DESK = {"width": 1280, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason="browser tests need Debian's chromium at /usr/bin/chromium",
    ),
]


def headers():
    """The template's header row, in Chinese."""
    with translation.override("zh-hans"):
        return [str(field.label) for field in PlanItemImportForm.base_fields.values()]


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
    contexts = []

    def open_desk(user=None, path="/plans/"):
        context = browser.new_context(viewport=DESK, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}{path}")
        if user is not None:
            assert "/login/" in page.url
            page.get_by_label("用户名").fill(user.username)
            page.get_by_label("密码").fill(PASSWORD)
            # The first submit button of the page is the language switch: press Enter instead.
            page.get_by_label("密码").press("Enter")
            page.wait_for_url(re.compile(re.escape(path) + "$"))
        return page

    yield open_desk
    for context in contexts:
        context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def row(code, name, school, kind, area, amount, work="新建"):
    half = amount / 2
    return [code, name, school, "校舍建设", kind, work, "", 2022, 2023, area, amount, half]


def test_plan_journey_from_upload_to_public_disclosure(
    transactional_db, live_server, tree, users, desk_as, tmp_path
):
    from playwright.sync_api import expect

    school = tree.schools["210881"]
    kindergarten = SchoolFactory(
        county=tree.gaizhou, name="盖州市第一幼儿园", school_type=SchoolType.KINDERGARTEN
    )
    users.gaizhou.first_name = "张经办"
    users.gaizhou.save()
    rows = [
        row("GZ-2022-01", "学生宿舍新建工程", school.code, "学生宿舍", 1200, 360),
        # (Its school's new teaching building is in the register already: this one extends.)
        row(
            "GZ-2022-02", "综合办公楼改扩建工程", school.code, "教学及辅助用房", 900, 270, "改扩建"
        ),
        row("GZ-2022-03", "食堂新建工程", kindergarten.name, "食堂", 300, 90),
    ]
    for values in rows:  # the other half from the county
        values += [None, None, values[-1], None, None, None, None, None, None]
    upload = tmp_path / "盖州市规划.xlsx"
    upload.write_bytes(xlsx_bytes(headers(), rows))

    # The county starts its plan and uploads it.
    county = desk_as(users.gaizhou)
    county.get_by_role("link", name="新建规划").click()
    county.get_by_label("规划类型").select_option(label="五年规划")
    county.get_by_label("标题").fill("盖州市义务教育薄弱环节改善与能力提升规划(2021-2025年)")
    county.get_by_role("button", name="保存").click()
    county.wait_for_url(re.compile(r"/plans/\d+/$"))
    plan = Plan.objects.get()
    assert (plan.first_year, plan.last_year) == (2021, 2025)
    county.get_by_role("link", name="从 Excel 导入").click()
    county.locator("input[type=file]").set_input_files(str(upload))
    county.get_by_role("button", name="检查文件").click()
    expect(county.locator("#result")).to_contain_text("文件检查通过")
    assert not plan.items.exists()
    county.get_by_role("button", name="确认导入").click()
    county.wait_for_url(re.compile(rf"/plans/{plan.pk}/$"))
    assert plan.items.count() == 3

    # Both problems are flagged beside their projects, and block the submission.
    office = county.locator("tr", has_text="GZ-2022-02")
    expect(office.locator(".flag-blocking")).to_contain_text("办公楼不得列入项目规划")
    nursery = county.locator("tr", has_text="GZ-2022-03")
    expect(nursery.locator(".flag-blocking")).to_contain_text("盖州市第一幼儿园不在实施范围内")
    expect(county.locator("#review-summary")).to_contain_text("2个问题须整改")
    expect(county.get_by_role("button", name="上报市级审核")).to_be_disabled()
    shot(county, "plan_flags_desk")

    # The county fixes them: the office building becomes a teaching building, the
    # kindergarten's canteen leaves the plan.
    office.get_by_role("link", name="编辑").click()
    county.get_by_label("项目名称").fill("教学楼改扩建工程")
    county.get_by_role("button", name="保存").click()
    county.wait_for_url(re.compile(rf"/plans/{plan.pk}/"))
    county.locator("tr", has_text="GZ-2022-03").get_by_role("button", name="删除").click()
    county.wait_for_url(re.compile(rf"/plans/{plan.pk}/$"))
    expect(county.locator("#review-summary")).to_contain_text("没有须整改的问题")
    county.get_by_role("button", name="上报市级审核").click()
    expect(county.get_by_text("规划已上报市级审核。")).to_be_visible()

    # The city returns the dormitory with a comment.
    city = desk_as(users.city, path=f"/plans/{plan.pk}/")
    city.get_by_role("link", name="退回县(区)").click()
    city.get_by_label("GZ-2022-01 学生宿舍新建工程").fill("宿舍面积偏大,请按生均标准核减。")
    city.get_by_role("button", name="退回县(区)").click()
    expect(city.get_by_text("规划已退回县区。")).to_be_visible()

    # The county reads the comment, corrects the area and submits again.
    county.reload()
    dormitory = county.locator("tr", has_text="GZ-2022-01")
    expect(dormitory).to_contain_text("宿舍面积偏大,请按生均标准核减。")
    dormitory.get_by_role("link", name="编辑").click()
    county.get_by_label(re.compile("^计划建筑面积")).fill("1000")
    county.get_by_role("button", name="保存").click()
    county.wait_for_url(re.compile(rf"/plans/{plan.pk}/"))
    county.get_by_role("button", name="上报市级审核").click()
    expect(county.get_by_text("规划已上报市级审核。")).to_be_visible()

    # The city passes it on; the province approves.
    city.reload()
    city.get_by_role("button", name="审核通过,报省级审定").click()
    expect(city.get_by_text("规划已审核通过,报省级审定。")).to_be_visible()
    province = desk_as(users.province, path=f"/plans/{plan.pk}/")
    province.get_by_role("button", name="审定").click()
    expect(province.get_by_text("规划已审定。")).to_be_visible()
    expect(province.locator(".timeline li")).to_have_count(5)
    shot(province, "plan_approved_desk")
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED
    assert list(plan.events.values_list("action", flat=True)) == [
        PlanAction.SUBMIT,
        PlanAction.RETURN,
        PlanAction.SUBMIT,
        PlanAction.CITY_APPROVE,
        PlanAction.APPROVE,
    ]
    assert Project.objects.get(code="GZ-2022-01").planned_area == 1000

    # The public page, without login: the two approved projects, nothing private.
    public = desk_as(path="/public/projects/")
    table = public.locator("table.public-projects")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("教学楼改扩建工程")
    expect(table).to_contain_text("学生宿舍新建工程")
    text = public.content()
    for private in ("食堂新建工程", "幼儿园", "宿舍面积偏大", "张经办", "gaizhou", "yingkou"):
        assert private not in text
    shot(public, "public_projects_desk")
