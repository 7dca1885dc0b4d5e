"""The funding plan in the admin goes through funding_plan_save, and is read only for a
project whose approved plan fixes it (its baseline)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from funding.choices import FundLevel
from funding.models import FundingPlanLine
from projects.models import Project
from tests.factories import PASSWORD
from tests.plans.conftest import approve_all, plan  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, users):
    assert client.login(username=users.admin.username, password=PASSWORD)
    return client


@pytest.fixture
def baselined(plan, users):  # noqa: F811
    approve_all(plan, users)
    return Project.objects.get(code="GZ-2022-01")


def test_the_funding_plan_of_a_baselined_project_is_read_only_in_the_admin(
    superuser_client, baselined
):
    line = baselined.funding_plan.get(source=FundLevel.CENTRAL)
    url = reverse("admin:funding_fundingplanline_change", args=[line.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert superuser_client.post(url, {"amount": "1"}).status_code == 403
    delete = reverse("admin:funding_fundingplanline_delete", args=[line.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:funding_fundingplanline_changelist")
    superuser_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [line.pk], "post": "yes"}
    )
    response = superuser_client.post(
        reverse("admin:funding_fundingplanline_add"),
        {"project": baselined.pk, "source": FundLevel.OTHER, "amount": "100"},
    )
    assert response.status_code == 200
    assert "项目调整申请" in response.content.decode()
    line.refresh_from_db()
    assert line.amount == Decimal("1800000.00")
    assert set(baselined.funding_plan.values_list("source", flat=True)) == {
        FundLevel.CENTRAL,
        FundLevel.COUNTY,
    }


def test_the_admin_writes_a_funding_plan_through_the_service(superuser_client, tree, users):
    project = tree.projects["210881"]
    response = superuser_client.post(
        reverse("admin:funding_fundingplanline_add"),
        {"project": project.pk, "source": FundLevel.CITY, "amount": "250000"},
    )
    assert response.status_code == 302
    line = FundingPlanLine.objects.get(project=project, source=FundLevel.CITY)
    assert line.history.get().history_user == users.admin
    url = reverse("admin:funding_fundingplanline_change", args=[line.pk])
    assert superuser_client.post(url, {"amount": "300000"}).status_code == 302
    line.refresh_from_db()
    assert line.amount == Decimal("300000.00")
    delete = reverse("admin:funding_fundingplanline_delete", args=[line.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 302
    assert not FundingPlanLine.objects.filter(pk=line.pk).exists()
    assert line.history.latest().history_type == "-"
    assert line.history.latest().history_user == users.admin
