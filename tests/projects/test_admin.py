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
