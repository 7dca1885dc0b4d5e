"""The demo's plans: 盖州市's approved, 大石桥市's with the city; the public page lists the
approved projects only and none of the demo's people."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from plans import selectors
from plans.choices import PlanState
from plans.models import Plan, PlanItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(loaded_demo):
    return loaded_demo


def test_the_demo_plans_and_their_states():
    plans = {plan.county.code: plan for plan in Plan.objects.select_related("county")}
    assert plans["210881"].state == PlanState.APPROVED
    assert plans["210882"].state == PlanState.SUBMITTED
    for plan in plans.values():
        assert selectors.plan_review(plan).blocking == 0
    assert PlanItem.objects.filter(plan=plans["210881"], project__isnull=False).count() == 5
    assert not PlanItem.objects.filter(plan=plans["210882"], project__isnull=False).exists()


def test_the_public_page_lists_the_approved_projects_and_no_one(client):
    response = client.get(reverse("plans:public_list"))
    assert response.context["count"] == 5
    text = response.content.decode()
    assert "营口建工集团有限公司" in text and "辽宁华建工程监理有限公司" in text
    data = client.get(reverse("plans:public_json")).json()
    assert {row["county"] for row in data["projects"]} == {"盖州市"}
    for name in ("张立军", "刘卫东", "盖州市教育局", "盖财付", "210882-2022-N01"):
        assert name not in text and name not in str(data)


def test_loading_again_creates_no_plan():
    before = (Plan.objects.count(), PlanItem.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Plan.objects.count(), PlanItem.objects.count()) == before
