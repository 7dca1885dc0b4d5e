"""The bureaus' pages, seen by each kind of user: own county, another county, the city."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects.choices import ProjectStatus
from projects.models import Project
from tests.factories import PASSWORD, ProjectFactory

pytestmark = pytest.mark.django_db

# Every page that shows one object: (url name, how to find the object of a county).
OBJECT_PAGES = [
    ("projects:project_detail", lambda tree, code: tree.projects[code]),
    ("projects:project_update", lambda tree, code: tree.projects[code]),
    ("projects:school_detail", lambda tree, code: tree.schools[code]),
]
LIST_PAGES = ["projects:project_list", "projects:school_list", "projects:project_create"]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("name, find", OBJECT_PAGES)
def test_object_pages_answer_404_outside_the_users_subtree(client, tree, users, name, find):
    login(client, users.gaizhou)
    assert client.get(reverse(name, args=[find(tree, "210881").pk])).status_code == 200
    assert client.get(reverse(name, args=[find(tree, "210882").pk])).status_code == 404
    assert client.get(reverse(name, args=[find(tree, "210381").pk])).status_code == 404


@pytest.mark.parametrize("name, find", OBJECT_PAGES)
def test_the_city_sees_its_counties_only(client, tree, users, name, find):
    login(client, users.city)
    for code, status in (("210881", 200), ("210882", 200), ("210381", 404)):
        response = client.get(reverse(name, args=[find(tree, code).pk]))
        assert response.status_code == status, code


@pytest.mark.parametrize("name, find", OBJECT_PAGES)
def test_anonymous_users_are_sent_to_login(client, tree, name, find):
    url = reverse(name, args=[find(tree, "210881").pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_need_login(client, tree, name):
    assert client.get(reverse(name)).status_code == 302


def test_project_list_shows_only_the_users_county(client, tree, users):
    login(client, users.gaizhou)
    page = client.get(reverse("projects:project_list")).content.decode()
    assert tree.projects["210881"].code in page
    assert tree.projects["210882"].code not in page
    assert tree.projects["210381"].code not in page


def test_school_list_shows_only_the_users_county(client, tree, users):
    login(client, users.dashiqiao)
    page = client.get(reverse("projects:school_list")).content.decode()
    assert tree.schools["210882"].code in page
    assert tree.schools["210881"].code not in page


def test_project_list_filters(client, tree, users):
    school = tree.schools["210881"]
    equipment = ProjectFactory.equipment(school=school, plan_year=2023, name="图书购置")
    login(client, users.city)
    url = reverse("projects:project_list")

    def codes(**params):
        return {project.code for project in client.get(url, params).context["object_list"]}

    gaizhou, dashiqiao = tree.projects["210881"].code, tree.projects["210882"].code
    assert codes() == {gaizhou, dashiqiao, equipment.code}
    assert codes(county=tree.dashiqiao.pk) == {dashiqiao}
    assert codes(category="equipment") == {equipment.code}
    assert codes(plan_year=2023) == {equipment.code}
    assert codes(status=ProjectStatus.PLANNED, school=school.pk) == {gaizhou, equipment.code}
    assert codes(q="图书") == {equipment.code}
    assert codes(q=school.code) == {gaizhou, equipment.code}
    # Another city's county is not a choice: the filter refuses it rather than leaking rows.
    assert codes(county=tree.haicheng.pk) == set()


def test_project_list_shows_totals_in_wan_yuan(client, tree, users):
    login(client, users.city)
    response = client.get(reverse("projects:project_list"))
    assert response.context["totals"]["planned_amount"] == Decimal("7200000.00")
    assert "720.00" in response.content.decode()


def test_project_list_is_paginated(client, tree, users, settings):
    for _ in range(30):
        ProjectFactory(school=tree.schools["210881"])
    login(client, users.gaizhou)
    response = client.get(reverse("projects:project_list"))
    assert len(response.context["object_list"]) == 25
    assert response.context["page_obj"].paginator.num_pages == 2
    assert client.get(reverse("projects:project_list"), {"page": 2}).status_code == 200


def test_list_query_counts_do_not_grow_with_rows(
    client, tree, users, django_assert_max_num_queries
):
    login(client, users.city)
    for name in ("projects:project_list", "projects:school_list"):
        with django_assert_max_num_queries(12):
            client.get(reverse(name))
    for _ in range(20):
        ProjectFactory(school=tree.schools["210882"])
    for name in ("projects:project_list", "projects:school_list"):
        with django_assert_max_num_queries(12):
            client.get(reverse(name))


def project_form_data(project, **changes):
    data = {
        "code": project.code,
        "name": project.name,
        "school": project.school_id,
        "programme": project.programme,
        "category": project.category,
        "construction_kind": project.construction_kind,
        "work_type": project.work_type,
        "plan_year": project.plan_year,
        "content": "",
        "planned_area": project.planned_area,
        "planned_amount": "360",
        "contractor": "",
        "supervisor": "",
        "tender_method": "",
        "bid_price": "",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        # The version the page was opened at (gaibo.versions).
        "loaded_version": Project.objects.get(pk=project.pk).version if project.pk else 1,
    }
    data.update(changes)
    return data


def test_county_user_edits_its_project_in_wan_yuan(client, tree, users):
    project = tree.projects["210881"]
    login(client, users.gaizhou)
    data = project_form_data(
        project,
        planned_amount="412.5",
        approved_on="2022-03-01",
        tendered_on="2022-04-01",
        contracted_on="2022-04-15",
        started_on="2022-05-01",
        **{
            "lines-TOTAL_FORMS": "1",
            "lines-0-category": "living",
            "lines-0-item": "学生床",
            "lines-0-unit": "set",
            "lines-0-quantity": "120",
            "lines-0-amount": "18.6",
        },
    )
    response = client.post(reverse("projects:project_update", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.planned_amount == Decimal("4125000.00")
    assert project.status == ProjectStatus.STARTED
    assert project.equipment_lines.get().amount == Decimal("186000.00")
    detail = client.get(project.get_absolute_url()).content.decode()
    assert "412.50" in detail and "已开工" in detail
    assert "gaizhou" in detail and "3600000.00" in detail and "4125000.00" in detail


def test_an_invalid_edit_explains_and_saves_nothing(client, tree, users):
    project = tree.projects["210881"]
    login(client, users.gaizhou)
    data = project_form_data(project, completed_on="2022-05-01", planned_amount="-1")
    response = client.post(reverse("projects:project_update", args=[project.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "填写竣工日期前须先填写开工日期" in page
    assert "金额不能为负数" in page
    project.refresh_from_db()
    assert project.planned_amount == Decimal("3600000.00")
    assert project.completed_on is None


def test_county_user_creates_a_project(client, tree, users):
    login(client, users.gaizhou)
    template = ProjectFactory.build(school=tree.schools["210881"], code="210881-2022-009")
    response = client.post(reverse("projects:project_create"), project_form_data(template))
    assert response.status_code == 302
    created = Project.objects.get(code="210881-2022-009")
    assert created.planned_amount == Decimal("3600000.00")
    assert created.history.get().history_user == users.gaizhou


def test_a_county_cannot_create_a_project_in_another_countys_school(client, tree, users):
    login(client, users.gaizhou)
    template = ProjectFactory.build(school=tree.schools["210882"], code="X-9")
    response = client.post(reverse("projects:project_create"), project_form_data(template))
    assert response.status_code == 200
    assert not Project.objects.filter(code="X-9").exists()


@pytest.mark.parametrize("role", ["gaizhou_finance", "inspector", "province"])
def test_read_only_roles_cannot_open_the_forms(client, tree, users, role):
    login(client, getattr(users, role))
    project = tree.projects["210881"]
    assert client.get(project.get_absolute_url()).status_code == 200
    assert client.get(reverse("projects:project_update", args=[project.pk])).status_code == 403
    assert client.get(reverse("projects:project_create")).status_code == 403


def test_school_detail_shows_eligibility_and_projects(client, tree, users):
    school = tree.schools["210881"]
    school.is_public = False
    school.save()
    login(client, users.gaizhou)
    page = client.get(school.get_absolute_url()).content.decode()
    assert "民办学校" in page
    assert tree.projects["210881"].code in page


def test_pages_are_chinese_by_default_and_english_on_request(client, tree, users):
    login(client, users.gaizhou)
    url = reverse("projects:project_list")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "项目" in page and 'lang="zh-hans"' in page
    client.post(reverse("set_language"), {"language": "en", "next": url})
    page = client.get(url).content.decode()
    assert 'lang="en"' in page and "Projects" in page


@pytest.mark.parametrize(
    "typed, message",
    [
        ("Infinity", "请输入一个数字"),
        ("NaN", "请输入一个数字"),
        ("1e30", "金额不能超过"),
        ("12345678901234567890", "金额不能超过"),
        ("1.0000001", "最多保留六位小数"),
        ("三百", "请输入一个数字"),
    ],
)
def test_odd_amounts_are_refused_with_a_message(client, tree, users, typed, message):
    project = tree.projects["210881"]
    login(client, users.gaizhou)
    data = project_form_data(project, planned_amount=typed)
    response = client.post(reverse("projects:project_update", args=[project.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    project.refresh_from_db()
    assert project.planned_amount == Decimal("3600000.00")


def test_the_form_shows_amounts_in_wan_yuan_as_typed(client, tree, users):
    project = tree.projects["210881"]
    login(client, users.gaizhou)
    page = client.get(reverse("projects:project_update", args=[project.pk])).content.decode()
    assert 'name="planned_amount" value="360"' in page


def test_a_project_at_an_ineligible_school_is_refused(client, tree, users):
    school = tree.schools["210881"]
    school.school_type = "kindergarten"
    school.save()
    login(client, users.gaizhou)
    template = ProjectFactory.build(school=school, code="K-1")
    response = client.post(reverse("projects:project_create"), project_form_data(template))
    assert response.status_code == 200
    assert "幼儿园不在实施范围内" in response.content.decode()
    assert not Project.objects.filter(code="K-1").exists()


def test_a_foreign_school_is_not_a_choice(client, tree, users):
    login(client, users.gaizhou)
    template = ProjectFactory.build(school=tree.schools["210882"], code="X-10")
    response = client.post(reverse("projects:project_create"), project_form_data(template))
    assert "school" in response.context["form"].errors
    assert not Project.objects.filter(code="X-10").exists()


def test_absurd_filter_values_do_not_break_the_list(client, tree, users):
    login(client, users.city)
    url = reverse("projects:project_list")
    for params in ({"county": "9" * 30}, {"plan_year": "abc"}, {"school": "-1"}):
        assert client.get(url, params).status_code == 200


def test_history_does_not_name_schools_outside_the_users_district(client, tree, users):
    project = tree.projects["210882"]
    project.school = tree.schools["210881"]
    from projects import services

    services.project_save(project=project, acting_user=users.city)
    project.school = tree.schools["210882"]
    services.project_save(project=project, acting_user=users.city)
    login(client, users.dashiqiao)
    page = client.get(project.get_absolute_url()).content.decode()
    assert "盖州市实验小学" not in page
    assert "辖区外" in page
