"""The plan pages: access, upload with flags, the review by page, the locked project edit
page, change requests; and the public pages, which show nothing that is not public."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment
from plans import services
from plans.choices import ChangeState, PlanKind, PlanState
from plans.imports import PlanItemImportForm
from plans.models import ChangeRequest, Plan, PlanItem
from projects.models import Project
from tests.factories import PASSWORD, ProjectFactory
from tests.plans.conftest import approve_all, make_item
from tests.spreadsheets import xlsx_upload

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def headers():
    with translation.override("zh-hans"):
        return [str(field.label) for field in PlanItemImportForm.base_fields.values()]


def row(code, name, school, **changes):
    values = {
        "code": code,
        "name": name,
        "school": school,
        "category": "校舍建设",
        "construction_kind": "学生宿舍",
        "work_type": "新建",
        "content": "",
        "plan_year": 2022,
        "end_year": 2023,
        "area": 800,
        "amount": 240,
        "central": 120,
        "provincial": None,
        "city": None,
        "county": 120,
        "pooled": None,
        "other": None,
        "eq_category": None,
        "eq_item": None,
        "eq_unit": None,
        "eq_quantity": None,
    }
    values.update(changes)
    return list(values.values())


def test_plan_pages_answer_404_outside_the_users_district(client, plan, users):
    url = reverse("plans:plan_detail", args=[plan.pk])
    assert login(client, users.dashiqiao).get(url).status_code == 404
    assert client.get(reverse("plans:plan_import", args=[plan.pk])).status_code == 404
    assert login(client, users.city).get(url).status_code == 200
    assert login(client, users.province).get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_upload_flags_forbidden_content_and_an_ineligible_school(client, tree, users, kindergarten):
    plan = services.plan_create(
        plan=Plan(county=tree.gaizhou, kind=PlanKind.FIVE_YEAR, title="盖州市规划"),
        acting_user=users.gaizhou,
    )
    login(client, users.gaizhou)
    url = reverse("plans:plan_import", args=[plan.pk])
    school = tree.schools["210881"]
    rows = [
        row("GZ-1", "学生宿舍新建", school.code),
        row("GZ-2", "综合办公楼新建", school.code, construction_kind="教学及辅助用房"),
        row("GZ-3", "食堂新建", kindergarten.name, construction_kind="食堂"),
        row(
            "GZ-4",
            "图书购置",
            school.code,
            category="设备购置",
            construction_kind="",
            work_type="",
            area=None,
            end_year=2022,
            amount=10,
            central=10,
            county=None,
            eq_category="图书",
            eq_item="图书",
            eq_unit="册",
            eq_quantity=3000,
        ),
    ]
    response = client.post(url, {"file": xlsx_upload(headers(), rows)})
    result = response.context["result"]
    assert result.ok, result.errors
    assert not plan.items.exists()  # the preview writes nothing
    response = client.post(url, {"batch": response.context["batch"].pk})
    assert response.status_code == 302
    assert plan.items.count() == 4
    assert plan.items.get(code="GZ-4").lines.get().quantity == 3000
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "办公楼" in page and kindergarten.name in page
    assert 'class="flag-blocking"' in page
    # Submitting is refused while the flags stand.
    client.post(reverse("plans:plan_action", args=[plan.pk, "submit"]))
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT


def test_a_row_naming_a_school_outside_the_county_refuses_the_whole_file(client, tree, plan, users):
    login(client, users.gaizhou)
    url = reverse("plans:plan_import", args=[plan.pk])
    rows = [
        row("GZ-7", "食堂新建", tree.schools["210881"].code, construction_kind="食堂"),
        row("GZ-8", "厕所改造", tree.schools["210882"].code, construction_kind="厕所"),
    ]
    response = client.post(url, {"file": xlsx_upload(headers(), rows)})
    errors = response.context["result"].errors
    assert [error.row for error in errors] == [3]
    assert response.context["batch"] is None
    assert plan.items.count() == 2


def test_the_city_returns_with_a_comment_per_project_then_approves(client, plan, users):
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    item = plan.items.get(code="GZ-2022-01")
    login(client, users.gaizhou)
    assert client.get(reverse("plans:plan_return", args=[plan.pk])).status_code == 403
    login(client, users.city)
    url = reverse("plans:plan_return", args=[plan.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200  # nothing said: refused
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    response = client.post(url, {"reason": "", f"item_{item.pk}": "面积偏大,请核减"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.RETURNED
    login(client, users.gaizhou)
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "面积偏大,请核减" in page
    client.post(reverse("plans:plan_action", args=[plan.pk, "submit"]))
    login(client, users.city)
    client.post(reverse("plans:plan_action", args=[plan.pk, "city-approve"]), {"reason": "同意"})
    login(client, users.province)
    client.post(reverse("plans:plan_action", args=[plan.pk, "approve"]))
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED
    assert list(plan.events.values_list("actor__username", flat=True)) == [
        "gaizhou",
        "yingkou",
        "gaizhou",
        "yingkou",
        "liaoning",
    ]


def test_the_edit_page_of_an_approved_project_keeps_its_baseline(client, plan, users):
    approve_all(plan, users)
    project = Project.objects.get(code="GZ-2022-01")
    login(client, users.gaizhou)
    url = reverse("projects:project_update", args=[project.pk])
    page = client.get(url).content.decode()
    assert 'name="planned_amount"' not in page
    assert reverse("plans:change_create", args=[project.pk]) in page
    response = client.post(
        url,
        {
            "code": project.code,
            "name": project.name,
            "planned_amount": "999",
            "contractor": "营口建工集团有限公司",
            "loaded_version": project.version,
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.planned_amount == Decimal("3600000.00")
    assert project.contractor == "营口建工集团有限公司"
    change_url = reverse("plans:change_create", args=[project.pk])
    assert change_url in client.get(project.get_absolute_url()).content.decode()
    login(client, users.city)
    assert change_url not in client.get(project.get_absolute_url()).content.decode()


def test_a_change_request_by_page_keeps_before_and_after(client, plan, users):
    approve_all(plan, users)
    project = Project.objects.get(code="GZ-2022-01")
    login(client, users.gaizhou)
    url = reverse("plans:change_create", args=[project.pk]) + "?kind=scope"
    no_lines = {"lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"}
    response = client.post(
        url, {"name": project.name, "planned_area": "1000", "content": "", "reason": "", **no_lines}
    )
    assert response.status_code == 200 and not ChangeRequest.objects.exists()
    response = client.post(
        url,
        {
            "name": project.name,
            "planned_area": "1000",
            "content": "三层",
            "reason": "核减面积",
            **no_lines,
        },
    )
    change = ChangeRequest.objects.get()
    assert response.url == change.get_absolute_url()
    login(client, users.city)
    page = client.get(change.get_absolute_url()).content.decode()
    assert "1200.00" in page and "1000.00" in page
    client.post(change.get_absolute_url(), {"decision": "approve", "note": ""})
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    project.refresh_from_db()
    assert project.planned_area == Decimal("1000.00")
    history = client.get(project.get_absolute_url()).content.decode()
    assert "核减面积" in history


@pytest.fixture
def disclosed(plan, users, tree):
    """An approved plan with a contractor, a payment, a comment; an unapproved plan too."""
    item = plan.items.get(code="GZ-2022-01")
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_return(plan=plan, acting_user=users.city, comments={item.pk: "内部意见:面积偏大"})
    approve_all(plan, users)
    users.gaizhou.first_name = "张经办"
    users.gaizhou.save()
    project = Project.objects.get(code="GZ-2022-01")
    project.contractor = "营口建工集团有限公司"
    project.supervisor = "辽宁建设监理有限公司"
    project.content = "联系人电话13800000000，办公室0417-7654321，身份证21088119800101123X"
    project.save()
    tranche = Allocation.objects.create(
        source=FundLevel.CENTRAL,
        document_number="辽财〔2022〕5号",
        issued_on=date(2022, 3, 1),
        year=2022,
        recipient=tree.gaizhou,
        amount=Decimal("1800000.00"),
    )
    Arrival.objects.create(
        allocation=tranche,
        project=project,
        amount=Decimal("1800000.00"),
        arrived_on=date(2022, 4, 1),
    )
    Payment.objects.create(
        project=project,
        source=FundLevel.CENTRAL,
        payee=project.contractor,
        amount=Decimal("100000.00"),
        paid_on=date(2022, 5, 1),
        voucher_number="盖财付〔2022〕101号",
        approved_by="王建国 13912345678",
        approved_on=date(2022, 4, 30),
    )
    other = services.plan_create(
        plan=Plan(county=tree.dashiqiao, kind=PlanKind.FIVE_YEAR, title="大石桥市规划"),
        acting_user=users.dashiqiao,
    )
    make_item(other, users.dashiqiao, school=tree.schools["210882"], code="DSQ-SECRET-1")
    return project


PRIVATE = (
    "张经办",
    "gaizhou",
    "王建国",
    "13912345678",
    "盖财付",
    "内部意见",
    "DSQ-SECRET-1",
    "辽财〔2022〕5号",
    "大石桥市规划",
    "13800000000",
    "7654321",
    "21088119800101123X",
)


def test_public_pages_show_the_disclosed_facts_and_nothing_private(client, disclosed):
    for url in (
        reverse("plans:public_list"),
        reverse("plans:public_list") + "?county=210881&school=实验",
        reverse("plans:public_csv"),
        reverse("plans:public_json"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode("utf-8-sig")
        for secret in PRIVATE:
            assert secret not in text, (url, secret)
        assert re.search(r"1[3-9]\d{9}", text) is None
        assert "GZ-2022-01" in text and "营口建工集团有限公司" in text
        assert "辽宁建设监理有限公司" in text


def test_open_data_files_hold_the_same_rows(client, disclosed):
    data = json.loads(client.get(reverse("plans:public_json")).content)
    assert data["count"] == 2
    first = data["projects"][0]
    assert first["project_code"] == "GZ-2022-01"
    assert first["planned_amount_yuan"] == "3600000.00"
    assert first["floor_area_m2"] == "1200.00"
    assert set(first) == {
        "project_code",
        "project_name",
        "county_code",
        "county",
        "school",
        "programme",
        "category",
        "building_kind",
        "work_type",
        "content",
        "plan_year",
        "floor_area_m2",
        "planned_amount_yuan",
        "contractor",
        "supervising_engineer",
        "tender_method",
        "winning_bid_yuan",
        "status",
    }
    content = client.get(reverse("plans:public_csv")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [r["project_code"] for r in rows] == ["GZ-2022-01", "GZ-2023-01"]
    assert client.get(reverse("plans:public_json") + "?county=210882").json()["count"] == 0


def test_the_public_list_searches_paginates_and_keeps_its_queries(
    client, disclosed, users, tree, django_assert_max_num_queries, settings
):
    settings.PAGE_SIZE = 1
    with django_assert_max_num_queries(4):
        response = client.get(reverse("plans:public_list"))
    assert response.context["count"] == 2
    assert response.context["page_obj"].paginator.num_pages == 2
    response = client.get(reverse("plans:public_list"), {"school": "没有这所学校"})
    assert response.context["count"] == 0


def test_an_unapproved_plan_is_not_public(client, plan, users):
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_city_approve(plan=plan, acting_user=users.city)
    assert client.get(reverse("plans:public_json")).json()["count"] == 0
    assert PlanItem.objects.filter(project__isnull=False).count() == 0


def pending_duration_change(plan, users):
    """The plan approved, and its dormitory's end year moved to 2023, awaiting the city."""
    approve_all(plan, users)
    return services.change_request_create(
        project=Project.objects.get(code="GZ-2022-01"),
        kind="duration",
        new_values={"plan_year": 2022, "end_year": 2023},
        reason="征地延迟",
        acting_user=users.gaizhou,
    )


def test_change_requests_answer_404_outside_the_district(client, plan, users):
    change = pending_duration_change(plan, users)
    login(client, users.dashiqiao)
    assert client.get(change.get_absolute_url()).status_code == 404
    assert client.get(reverse("plans:change_create", args=[change.project_id])).status_code == 404
    assert client.post(change.get_absolute_url(), {"decision": "approve"}).status_code == 404
    assert "征地延迟" not in client.get(reverse("plans:change_list")).content.decode()
    login(client, users.gaizhou)
    assert client.post(change.get_absolute_url(), {"decision": "approve"}).status_code == 403
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING


def test_the_plan_page_keeps_its_queries_whatever_its_size(
    client, plan, users, tree, django_assert_max_num_queries
):
    for number in range(15):
        make_item(
            plan,
            users.gaizhou,
            school=tree.schools["210881"],
            code=f"GZ-X-{number}",
            name=f"设备{number}",
            category="equipment",
            planned_amount=Decimal("10000.00"),
        )
    login(client, users.city)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("plans:plan_detail", args=[plan.pk]))
    assert len(response.context["rows"]) == 17


def test_the_admin_lists_plans_within_the_district(client, plan, users):
    login(client, users.admin)
    assert client.get(reverse("admin:plans_plan_changelist")).status_code == 200
    assert client.get(reverse("admin:plans_plan_change", args=[plan.pk])).status_code == 200


def test_a_scope_change_of_equipment_by_page(client, plan, users):
    approve_all(plan, users)
    project = Project.objects.get(code="GZ-2023-01")
    login(client, users.gaizhou)
    url = reverse("plans:change_create", args=[project.pk]) + "?kind=scope"
    assert 'name="lines-0-item"' in client.get(url).content.decode()
    data = {
        "name": project.name,
        "planned_area": "",
        "content": "",
        "reason": "补充设备明细",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-category": "computers",
        "lines-0-item": "学生计算机",
        "lines-0-unit": "set",
        "lines-0-quantity": "50",
        "lines-0-amount": "50",
    }
    response = client.post(url, data)
    change = ChangeRequest.objects.get()
    assert response.url == change.get_absolute_url()
    page = client.get(change.get_absolute_url()).content.decode()
    assert "学生计算机 × 50" in page and "50.00" in page


def test_the_plan_page_shows_a_comment_on_a_removed_project(client, plan, users):
    item = plan.items.get(code="GZ-2023-01")
    services.plan_submit(plan=plan, acting_user=users.gaizhou)
    services.plan_return(plan=plan, acting_user=users.city, comments={item.pk: "与宿舍项目重复"})
    login(client, users.gaizhou)
    client.post(reverse("plans:item_delete", args=[plan.pk, item.pk]))
    assert not plan.items.filter(code="GZ-2023-01").exists()
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "已删除的项目 GZ-2023-01 计算机教室设备购置" in page
    assert "与宿舍项目重复" in page


def test_the_plan_page_tells_the_county_to_ask_for_a_change_request(client, plan, users, tree):
    approve_all(plan, users)
    annual = services.plan_create(
        plan=Plan(county=tree.gaizhou, kind=PlanKind.ANNUAL, first_year=2022, title="2022年度计划"),
        acting_user=users.gaizhou,
    )
    make_item(annual, users.gaizhou, school=tree.schools["210881"], end_year=2024)
    page = login(client, users.gaizhou).get(annual.get_absolute_url()).content.decode()
    assert "完成年度:批准为2022,本计划为2024" in page
    assert "项目调整申请" in page
    assert re.search(r'<button type="submit" class="primary" disabled>上报市级审核', page)


def item_form_data(item, **changes) -> dict:
    data = {
        "code": item.code,
        "name": item.name,
        "school": item.school_id,
        "category": item.category,
        "construction_kind": item.construction_kind,
        "work_type": item.work_type,
        "content": item.content,
        "plan_year": item.plan_year,
        "end_year": item.end_year,
        "planned_area": item.planned_area or "",
        "planned_amount": item.planned_amount / 10000,
        "fund_central": item.fund_central / 10000,
        "fund_county": item.fund_county / 10000,
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_the_second_of_two_edits_of_a_plan_item_is_told(client, plan, users, tree):
    from tests.factories import UserFactory

    colleague = UserFactory(username="gaizhou2", role="county_education", district=tree.gaizhou)
    item = plan.items.get(code="GZ-2022-01")
    url = reverse("plans:item_update", args=[plan.pk, item.pk])
    loaded = login(client, users.gaizhou).get(url).context["form"]["loaded_version"].value()
    other = client.__class__()
    response = login(other, colleague).post(
        url, item_form_data(item, loaded_version=loaded, content="四层框架")
    )
    assert response.status_code == 302
    response = client.post(url, item_form_data(item, loaded_version=loaded, content="三层砖混"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "gaizhou2" in page and "您打开页面后" in page
    assert "三层砖混" in page  # the refused input stays on the form
    item.refresh_from_db()
    assert (item.content, item.version) == ("四层框架", loaded + 1)
    fresh = client.get(url).context["form"]["loaded_version"].value()
    response = client.post(url, item_form_data(item, loaded_version=fresh, content="三层砖混"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.content == "三层砖混"
    # A form sent without the version it was opened at is refused.
    response = client.post(url, item_form_data(item, content="二层"))
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.content == "三层砖混"


def test_the_county_withdraws_a_change_request_by_page(client, plan, users):
    change = pending_duration_change(plan, users)
    url = reverse("plans:change_withdraw", args=[change.pk])
    login(client, users.city)
    assert url not in client.get(change.get_absolute_url()).content.decode()
    assert client.post(url).status_code == 403
    login(client, users.gaizhou)
    assert "撤回申请" in client.get(change.get_absolute_url()).content.decode()
    response = client.post(url, {"note": "改为调整投资"})
    assert response.url == change.get_absolute_url()
    page = client.get(change.get_absolute_url()).content.decode()
    assert "县(区)已撤回" in page and "撤回人" in page and "改为调整投资" in page
    assert "撤回申请" not in page
    change.refresh_from_db()
    assert change.state == ChangeState.WITHDRAWN


@pytest.mark.parametrize("count", [1, 10])
def test_projects_registered_before_the_plan_cost_a_few_queries_each(
    client, plan, users, tree, count
):
    """An item taking over a project registered before the plan (an early project) is checked
    against every constraint of the register in one query, not one per constraint."""
    school = tree.schools["210881"]
    for number in range(count):
        code = f"GZ-T-{number}"
        ProjectFactory(
            school=school,
            code=code,
            name=f"设备{number}",
            category="equipment",
            construction_kind="",
            work_type="",
            planned_area=None,
            plan_year=2023,
        )
        make_item(
            plan,
            users.gaizhou,
            school=school,
            code=code,
            name=f"设备{number}",
            category="equipment",
            planned_amount=Decimal("10000.00"),
            plan_year=2023,
        )
    login(client, users.city)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("plans:plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    assert len(queries) <= 20 + 3 * count
