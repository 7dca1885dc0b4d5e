"""The admin goes through the same access rule: another county's objects are 404 there too."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_staff(users):
    user = users.gaizhou
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="projects", codename__in=["view_project", "change_project"]
        )
    )
    return user


def test_admin_change_page_of_another_county_is_404(client, tree, county_staff):
    client.login(username=county_staff.username, password=PASSWORD)
    own = reverse("admin:projects_project_change", args=[tree.projects["210881"].pk])
    other = reverse("admin:projects_project_change", args=[tree.projects["210882"].pk])
    assert client.get(own).status_code == 200
    assert client.get(other).status_code == 404


def test_admin_list_shows_only_the_users_county(client, tree, county_staff):
    client.login(username=county_staff.username, password=PASSWORD)
    page = client.get(reverse("admin:projects_project_changelist")).content.decode()
    assert tree.projects["210881"].code in page
    assert tree.projects["210882"].code not in page


def test_admin_school_choices_are_scoped(client, tree, county_staff):
    client.login(username=county_staff.username, password=PASSWORD)
    url = reverse("admin:projects_project_change", args=[tree.projects["210881"].pk])
    form = client.get(url).context["adminform"].form
    assert set(form.fields["school"].queryset) == {tree.schools["210881"]}


def test_superuser_sees_everything(client, tree, users):
    client.login(username=users.admin.username, password=PASSWORD)
    other = reverse("admin:projects_project_change", args=[tree.projects["210381"].pk])
    assert client.get(other).status_code == 200


@pytest.fixture
def city_staff(users):
    user = users.city
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["gaibo", "projects"],
        )
    )
    return user


def test_only_those_who_see_everything_manage_users_and_districts(client, tree, city_staff):
    client.login(username=city_staff.username, password=PASSWORD)
    for url in (
        reverse("admin:gaibo_user_changelist"),
        reverse("admin:gaibo_user_change", args=[city_staff.pk]),
        reverse("admin:projects_district_change", args=[tree.gaizhou.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("admin:gaibo_user_change", args=[city_staff.pk]),
        {"username": city_staff.username, "is_superuser": "on", "role": "administrator"},
    )
    assert response.status_code == 403
    city_staff.refresh_from_db()
    assert not city_staff.is_superuser and city_staff.role == "city"


def test_a_read_only_role_cannot_delete_in_the_admin(client, tree, users):
    province = users.province
    province.is_staff = True
    province.save()
    province.user_permissions.set(Permission.objects.filter(codename="delete_project"))
    client.login(username=province.username, password=PASSWORD)
    project = tree.projects["210381"]
    url = reverse("admin:projects_project_delete", args=[project.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert type(project).objects.filter(pk=project.pk).exists()


def test_admin_list_filters_name_only_visible_counties(client, tree, county_staff):
    client.login(username=county_staff.username, password=PASSWORD)
    page = client.get(reverse("admin:projects_project_changelist")).content.decode()
    assert "盖州市" in page
    assert "海城市" not in page and "大石桥市" not in page


def test_admin_delete_is_recorded_with_the_user(client, tree, users):
    client.login(username=users.admin.username, password=PASSWORD)
    project = tree.projects["210381"]
    url = reverse("admin:projects_project_delete", args=[project.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    deletion = type(project).history.get(id=project.pk, history_type="-")
    assert deletion.history_user == users.admin
