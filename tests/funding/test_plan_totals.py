"""The plan totals the city and province dashboards read (PlanTotals): whatever writes a
project, its equipment lines or its funding plan, each county's totals equal its projects
summed afresh; a county never summed is summed when read, with the same figures."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse

from funding import services
from funding.choices import FundLevel
from funding.models import Payment, PlanTotals
from funding.selectors import kept_plan_sums, plan_sums
from projects import services as project_services
from projects.choices import EquipmentCategory, Programme, ProjectCategory, Unit
from projects.models import EquipmentLine, Project, School
from tests.concurrency import at_once, failures
from tests.factories import PASSWORD, ProjectFactory
from tests.funding.conftest import a_payment

pytestmark = pytest.mark.django_db


def summed_afresh(tree) -> dict:
    counties = [tree.gaizhou.pk, tree.dashiqiao.pk, tree.haicheng.pk]
    return {
        (county, programme): plan
        for programme in Programme
        for county, plan in plan_sums(
            "school__county", school__county__in=counties, programme=programme
        ).items()
    }


def kept(tree) -> dict:
    counties = [tree.gaizhou.pk, tree.dashiqiao.pk, tree.haicheng.pk]
    assert PlanTotals.objects.filter(county__in=counties).count() == 2 * len(counties)
    return {
        (county, programme): plan
        for programme in Programme
        for county, plan in kept_plan_sums(counties=counties, programme=programme).items()
        if plan["projects"]
    }


@pytest.fixture
def summed(tree):
    """The tree's projects were made by factories: their totals are summed once here."""
    services.plan_totals_refresh()


def test_a_new_project_and_a_changed_amount_are_counted(tree, users, summed):
    gaizhou = (tree.gaizhou.pk, Programme.CAPACITY)
    project = ProjectFactory.build(school=tree.schools["210881"], code="N-1")
    project_services.project_save(project=project, acting_user=users.gaizhou)
    assert kept(tree)[gaizhou]["projects"] == 2
    assert kept(tree)[gaizhou]["planned_amount"] == Decimal("7200000.00")

    project.planned_amount = Decimal("1000000.00")
    project.planned_area = Decimal("300.00")
    project_services.project_save(project=project, acting_user=users.gaizhou)
    assert kept(tree)[gaizhou]["planned_amount"] == Decimal("4600000.00")
    assert kept(tree)[gaizhou]["planned_area"] == Decimal("1500.00")
    assert kept(tree) == summed_afresh(tree)


def test_equipment_lines_and_the_funding_plan_are_counted(tree, users, summed):
    project = ProjectFactory.build(
        school=tree.schools["210881"],
        code="E-1",
        category=ProjectCategory.EQUIPMENT,
        construction_kind="",
        work_type="",
        planned_area=None,
        planned_amount=Decimal("500000.00"),
    )
    line = EquipmentLine(
        category=EquipmentCategory.COMPUTERS,
        item="学生计算机",
        unit=Unit.SET,
        quantity=Decimal("50"),
        amount=Decimal("250000.00"),
    )
    project_services.project_save(project=project, acting_user=users.gaizhou, lines=[line])
    services.funding_plan_save(
        project=project,
        amounts={FundLevel.CENTRAL: Decimal("300000.00"), FundLevel.COUNTY: Decimal("200000.00")},
        acting_user=users.gaizhou,
    )
    plan = kept(tree)[(tree.gaizhou.pk, Programme.CAPACITY)]
    assert plan["equipment_projects"] == 1
    assert plan["planned_equipment"] == Decimal("500000.00")
    assert plan["quantities"] == {EquipmentCategory.COMPUTERS: {Unit.SET: Decimal("50")}}
    assert plan["sources"] == {
        FundLevel.CENTRAL: Decimal("300000.00"),
        FundLevel.COUNTY: Decimal("200000.00"),
    }
    project_services.project_save(project=project, acting_user=users.gaizhou, removed_lines=[line])
    assert kept(tree)[(tree.gaizhou.pk, Programme.CAPACITY)]["quantities"] == {}
    assert kept(tree) == summed_afresh(tree)


def test_a_school_moved_to_another_county_takes_its_plan_along(tree, users, summed):
    school = School.objects.get(pk=tree.schools["210881"].pk)
    school.county = tree.dashiqiao
    project_services.school_save(school=school, acting_user=users.city)
    assert (tree.gaizhou.pk, Programme.CAPACITY) not in kept(tree)
    assert kept(tree)[(tree.dashiqiao.pk, Programme.CAPACITY)]["projects"] == 2
    assert kept(tree) == summed_afresh(tree)


def admin_form_data(response) -> dict:
    """The admin change form as the browser would post it back, its inline forms included."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value is not None and value is not False:
                data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_the_admin_saves_a_project_and_its_lines_in_one_go_and_deletes_it(client, tree, users):
    project = ProjectFactory.equipment(school=tree.schools["210881"], code="E-2")
    services.plan_totals_refresh()
    client.login(username=users.admin.username, password=PASSWORD)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = admin_form_data(client.get(url))
    data["planned_amount"] = "600000.00"
    data["equipment_lines-TOTAL_FORMS"] = "1"
    data.update(
        {
            "equipment_lines-0-category": EquipmentCategory.BOOKS,
            "equipment_lines-0-item": "图书",
            "equipment_lines-0-unit": Unit.VOLUME,
            "equipment_lines-0-quantity": "3000",
            "equipment_lines-0-amount": "90000.00",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    plan = kept(tree)[(tree.gaizhou.pk, Programme.CAPACITY)]
    assert plan["planned_equipment"] == Decimal("600000.00")
    assert plan["quantities"] == {EquipmentCategory.BOOKS: {Unit.VOLUME: Decimal("3000")}}
    assert kept(tree) == summed_afresh(tree)

    response = client.post(
        reverse("admin:projects_project_delete", args=[project.pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not Project.objects.filter(pk=project.pk).exists()
    assert kept(tree)[(tree.gaizhou.pk, Programme.CAPACITY)]["equipment_projects"] == 0
    assert kept(tree) == summed_afresh(tree)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_projects_saved_at_once_in_one_county_are_both_counted(tree, users):
    services.plan_totals_refresh()
    other = ProjectFactory(school=tree.schools["210881"])

    def save(project_id, amount):
        project = Project.objects.get(pk=project_id)
        project.planned_amount = amount
        return lambda: project_services.project_save(project=project, acting_user=users.gaizhou)

    outcomes = at_once(
        save(tree.projects["210881"].pk, Decimal("1000000.00")),
        save(other.pk, Decimal("2000000.00")),
    )
    assert failures(outcomes) == []
    plan = kept(tree)[(tree.gaizhou.pk, Programme.CAPACITY)]
    assert plan["planned_amount"] == Decimal("3000000.00")
    assert kept(tree) == summed_afresh(tree)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_payment_and_a_funding_plan_of_one_project_at_once_do_not_deadlock(money, users):
    # The payment takes the county, then the project; so does the funding plan's save.
    def pay():
        services.payment_save(payment=a_payment(money.project), acting_user=users.gaizhou_finance)

    def plan():
        services.funding_plan_save(
            project=money.project,
            amounts={FundLevel.PROVINCIAL: Decimal("3000000.00")},
            acting_user=users.gaizhou,
        )

    assert failures(at_once(pay, plan)) == []
    assert Payment.objects.count() == 1
    sources = PlanTotals.objects.get(
        county=money.project.school.county_id, programme=money.project.programme
    ).sources
    assert sources == {FundLevel.PROVINCIAL: "3000000.00"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_projects_dates_and_a_payment_at_once_do_not_deadlock(money, users):
    # The report's approval writes a project's dates with the project locked first; a payment
    # takes the county, then the project. Saving the project locks that row only (not its
    # school's and county's, as its ordering would join them): the payment waits its turn.
    started = threading.Event()

    def report_dates():
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=money.project.pk)
            started.set()
            time.sleep(1)
            project.supervisor = "营口监理公司"
            project_services.project_save(project=project, acting_user=users.gaizhou)

    def pay():
        services.payment_save(payment=a_payment(money.project), acting_user=users.gaizhou_finance)

    assert failures(at_once(report_dates, pay, wait=started)) == []
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_summing_everything_again_while_a_project_is_saved(tree, users):
    # manage.py refresh_totals on a live site: it takes every county first, so a plan's save
    # waits for it (or it for the save) instead of colliding on the rows both re-create.
    started = threading.Event()

    def refresh_everything():
        with transaction.atomic():
            services.plan_totals_refresh()
            started.set()
            time.sleep(1)
            services.fund_totals_refresh()

    def save():
        project = Project.objects.get(pk=tree.projects["210881"].pk)
        project.planned_amount = Decimal("1000000.00")
        project_services.project_save(project=project, acting_user=users.gaizhou)

    assert failures(at_once(refresh_everything, save, wait=started)) == []
    assert kept(tree)[(tree.gaizhou.pk, Programme.CAPACITY)]["planned_amount"] == Decimal(
        "1000000.00"
    )
    assert kept(tree) == summed_afresh(tree)
