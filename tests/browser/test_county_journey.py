"""A county user's journey in a real browser (Debian's chromium through Playwright), on a phone."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from projects.models import Project
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

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
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def test_county_user_filters_edits_and_is_kept_out_of_another_county(
    transactional_db, live_server, tree, users, phone
):
    ARTIFACTS.mkdir(exist_ok=True)
    own, other = tree.projects["210881"], tree.projects["210882"]
    page = phone

    page.goto(f"{live_server.url}/projects/")
    assert "/login/" in page.url
    page.get_by_label("用户名").fill(users.gaizhou.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/projects/$"))

    page.get_by_label("类别").select_option(label="校舍建设")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"category=construction"))
    assert page.get_by_role("link", name=own.code).is_visible()
    assert page.get_by_text(other.code).count() == 0
    page.screenshot(path=str(ARTIFACTS / "project_list_phone.png"), full_page=True)

    page.get_by_role("link", name=own.code).click()
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("计划投资(万元)").fill("412.5")
    page.get_by_label(re.compile(r"^审批日期")).fill("2022-03-01")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/projects/{own.pk}/$"))
    assert page.get_by_text("已保存").is_visible()
    assert page.get_by_text("412.50 万元").is_visible()
    assert page.get_by_text("已审批").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "project_detail_phone.png"), full_page=True)
    own.refresh_from_db()
    assert str(own.planned_amount) == "4125000.00"

    response = page.goto(f"{live_server.url}/projects/{other.pk}/")
    assert response.status == 404
    assert page.get_by_text("不在您的管辖范围内").is_visible()
    response = page.goto(f"{live_server.url}/projects/{other.pk}/edit/")
    assert response.status == 404
    assert Project.objects.get(pk=other.pk).planned_amount == other.planned_amount
