"""The supervision journey in a real browser (Debian's chromium through Playwright), on a phone:
an inspector logs an on-site visit with photos and two findings, the county answers one with
evidence, the inspector verifies it, and the city sees one open finding and the visit counts."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from inspections.choices import FindingStatus
from inspections.models import ChecklistItem, EvidencePhoto, Finding, Visit, VisitPhoto
from tests.factories import PASSWORD
from tests.inspections.factories import checklist, image_bytes

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
def phone_as(browser, live_server):
    """A phone-sized page logged in as a user; each user on a phone of its own."""
    contexts = []

    def open_phone(user):
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/supervision/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r"/supervision/(visits|findings)/$"))
        return page

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def photo_files(tmp_path):
    """Photos as a phone's camera leaves them: one with the time and place it was taken."""
    files = {
        "site.jpg": image_bytes(
            size=(2400, 1800),
            taken="2024:05:10 09:30:00",
            gps=((40.0, 24.0, 0.0), "N", (122.0, 21.0, 0.0), "E"),
        ),
        "wall.jpg": image_bytes(size=(1200, 1600), color=(90, 90, 90)),
        "plan.png": image_bytes(size=(800, 600), image_format="PNG", color=(20, 120, 200)),
        "fixed.jpg": image_bytes(size=(1600, 1200), color=(30, 160, 60)),
    }
    paths = {}
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        paths[name] = str(path)
    return paths


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_supervision_journey_on_a_phone(
    transactional_db, live_server, tree, users, phone_as, photo_files, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    ARTIFACTS.mkdir(exist_ok=True)
    ChecklistItem.objects.all().delete()  # the city's own checklist, one item per area
    checklist()
    gaizhou_school = tree.schools["210881"]
    dashiqiao_project = tree.projects["210882"]

    # The inspector logs an on-site visit: a school of 盖州市 and a project of 大石桥市.
    page = phone_as(users.inspector)
    page.get_by_role("link", name="记录督导").click()
    assert page.get_by_label("实地督导").is_checked()
    page.get_by_label(re.compile(r"^学校")).select_option(label=f"盖州市 · {gaizhou_school.name}")
    page.get_by_label(re.compile(r"^项目")).select_option(
        label=f"大石桥市 · {dashiqiao_project.code} {dashiqiao_project.name}"
    )
    assert page.locator("#id_team-0-name").input_value() == users.inspector.username
    page.locator("#id_team-1-name").fill("李会计")
    page.locator("#id_team-1-unit").select_option(label="财政局")
    page.get_by_label("督导情况").fill("抽查两县在建项目的施工安全和资金使用")
    shot(page, "supervision_visit_form_phone")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/supervision/visits/\d+/$"))
    visit = Visit.objects.get()
    assert set(visit.counties.values_list("name", flat=True)) == {"盖州市", "大石桥市"}

    # Photos from the camera and from the album, in one upload.
    page.get_by_label("拍照").set_input_files(photo_files["site.jpg"])
    page.get_by_label("从相册选择").set_input_files(
        [photo_files["wall.jpg"], photo_files["plan.png"]]
    )
    page.get_by_label("说明").fill("施工现场")
    page.get_by_role("button", name="上传照片").click()
    page.wait_for_url(re.compile(r"/supervision/visits/\d+/#photos$"))
    assert page.get_by_text("已添加 3 张照片").is_visible()
    assert page.locator("#photos img").count() == 3
    assert page.get_by_text("拍摄于 2024-05-10 09:30").is_visible()
    assert VisitPhoto.objects.filter(visit=visit, latitude__isnull=False).count() == 1

    # The checklist: one problem, the rest passed.
    page.get_by_role("link", name="填写检查表").click()
    items = page.locator("fieldset.check-item")
    assert items.count() == 5
    construction = page.locator("fieldset.check-item", has_text="施工现场安全防护措施到位")
    construction.get_by_label("存在问题").check()
    construction.get_by_label("备注").fill("教学楼三层临边未设防护栏杆")
    page.get_by_label("其余未检查的事项记为合格").check()
    shot(page, "supervision_checklist_phone")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"#checklist$"))
    assert page.locator("#checklist .badge.passed").count() == 4

    # The first finding, from the problem item, for 盖州市, with a photo from the camera.
    page.get_by_role("link", name="记为问题").click()
    assert page.get_by_label("发现的问题").input_value() == "教学楼三层临边未设防护栏杆"
    page.get_by_label("责任县(区)").select_option(label="盖州市")
    page.get_by_label("较重").check()
    page.get_by_label("整改要求").fill("立即加装防护栏杆")
    page.get_by_label("拍照").set_input_files(photo_files["wall.jpg"])
    shot(page, "supervision_finding_form_phone")
    page.get_by_role("button", name="保存问题").click()
    page.wait_for_url(re.compile(r"#findings$"))
    assert page.get_by_text("交由盖州市整改").is_visible()

    # The second finding, by hand, for 大石桥市.
    page.get_by_role("link", name="记录问题").click()
    page.get_by_label("发现的问题").fill("工程款支付凭证不全")
    page.get_by_label("责任县(区)").select_option(label="大石桥市")
    page.get_by_role("button", name="保存问题").click()
    page.wait_for_url(re.compile(r"#findings$"))
    assert page.locator("#findings .finding-list > li").count() == 2
    shot(page, "supervision_visit_detail_phone")
    first = Finding.objects.get(responsible_county=tree.gaizhou)
    assert first.responsible_unit == "盖州市教育局"
    assert first.photos.count() == 1

    # 盖州市 sees its own finding only, and answers it with evidence.
    page = phone_as(users.gaizhou)
    assert page.url.endswith("/supervision/findings/")
    assert page.locator(".finding-list > li").count() == 1
    assert page.get_by_text("工程款支付凭证不全").count() == 0
    shot(page, "supervision_county_findings_phone")
    page.get_by_role("link", name="教学楼三层临边未设防护栏杆").click()
    page.get_by_label("整改情况").fill("已加装防护栏杆并组织验收")
    page.get_by_label("拍照").set_input_files(photo_files["fixed.jpg"])
    page.get_by_role("button", name="提交整改材料").click()
    page.wait_for_url(re.compile(r"/supervision/findings/\d+/$"))
    assert page.get_by_text("整改材料已提交,等待核查").is_visible()
    assert page.locator(".page-head .badge", has_text="已报送整改材料").is_visible()
    shot(page, "supervision_finding_answered_phone")
    assert EvidencePhoto.objects.filter(event__finding=first).count() == 1
    other = Finding.objects.get(responsible_county=tree.dashiqiao)
    response = page.goto(f"{live_server.url}{other.get_absolute_url()}")
    assert response.status == 404

    # The inspector verifies it.
    page = phone_as(users.inspector)
    page.goto(f"{live_server.url}{first.get_absolute_url()}")
    assert page.get_by_text("已加装防护栏杆并组织验收").is_visible()
    page.get_by_label("意见").fill("现场复核,整改到位")
    page.get_by_role("button", name="核查通过").click()
    page.wait_for_url(re.compile(r"/supervision/findings/\d+/$"))
    assert page.get_by_text("整改已核查通过").is_visible()
    record = page.locator("#record li")
    assert record.count() == 4  # raised, begun, evidence sent, verified
    first.refresh_from_db()
    assert first.status == FindingStatus.VERIFIED
    shot(page, "supervision_finding_verified_phone")

    # The city sees the visit counted and one open finding.
    page = phone_as(users.city)
    page.get_by_role("link", name="督导统计").click()
    stats = page.locator("#visits .stats")
    assert stats.locator("div", has_text="实地督导").locator("strong").inner_text() == "1"
    assert stats.locator("div", has_text="书面督导").locator("strong").inner_text() == "0"
    total = page.locator("#counties tr.total td")
    assert total.nth(0).inner_text() == "1"  # visits
    assert total.nth(2).inner_text() == "1"  # open findings
    row = page.locator("#counties tbody tr", has_text="大石桥市")
    assert row.locator("td").nth(3).inner_text() == "1"
    row = page.locator("#counties tbody tr", has_text="盖州市")
    assert row.locator("td").nth(3).inner_text() == "0"
    assert row.locator("td").nth(6).inner_text() == "1"
    shot(page, "supervision_overview_phone")

    # The opinion letter downloads as a Word document.
    page.goto(f"{live_server.url}{visit.get_absolute_url()}")
    with page.expect_download() as download:
        page.get_by_role("link", name="督导意见书(.docx)").click()
    assert download.value.suggested_filename.endswith(".docx")
