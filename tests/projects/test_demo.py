"""The demo data: the first seed's figures to the yuan, and a loader that may run twice."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.test import override_settings

from projects.choices import EquipmentCategory, Programme, ProjectCategory, ProjectStatus, Unit
from projects.demo import PASSWORD, USERS
from projects.models import District, EquipmentLine, Project, School

pytestmark = pytest.mark.django_db

CONSTRUCTION, EQUIPMENT = ProjectCategory.CONSTRUCTION, ProjectCategory.EQUIPMENT
# The first seed's figures are 全面改薄's; the demo also has 盖州市's approved 能力提升 plan.
COMPREHENSIVE = Programme.COMPREHENSIVE
COUNTED = (EquipmentCategory.COMPUTERS, EquipmentCategory.BOOKS, EquipmentCategory.DESKS)


FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"  # as tests/conftest.py has it


@pytest.fixture(scope="module", autouse=True)
def first_load(django_db_setup, django_db_blocker):
    """Load the demo once for this module, in a transaction rolled back after its last test."""
    with (
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        output = StringIO()
        call_command("load_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def row_counts():
    return {
        "districts": District.objects.count(),
        "schools": School.objects.count(),
        "projects": Project.objects.count(),
        "lines": EquipmentLine.objects.count(),
        "users": get_user_model().objects.count(),
        "project history": Project.history.count(),
        "school history": School.history.count(),
        "line history": EquipmentLine.history.count(),
    }


def test_first_load_reports_what_it_created(first_load):
    assert first_load.startswith("Demo data loaded: created 4 districts, 8 users, ")
    assert "118 projects" in first_load


def test_district_tree():
    tree = {
        district.code: (district.name, district.level, district.parent and district.parent.code)
        for district in District.objects.select_related("parent")
    }
    assert tree == {
        "210000": ("辽宁省", "province", None),
        "210800": ("营口市", "city", "210000"),
        "210881": ("盖州市", "county", "210800"),
        "210882": ("大石桥市", "county", "210800"),
    }


@pytest.mark.parametrize(
    ("county", "construction", "equipment"),
    [
        ("210881", (49, Decimal(54661), Decimal("91915000.00")), (22, Decimal("72085000.00"))),
        ("210882", (28, Decimal(129500), Decimal("132060000.00")), (19, Decimal("20240000.00"))),
    ],
)
def test_county_figures(county, construction, equipment):
    figures = {
        row["category"]: row
        for row in Project.objects.filter(school__county__code=county, programme=COMPREHENSIVE)
        .values("category")
        .annotate(count=Count("pk"), area=Sum("planned_area"), amount=Sum("planned_amount"))
        .order_by("category")
    }
    assert set(figures) == {CONSTRUCTION, EQUIPMENT}
    built, bought = figures[CONSTRUCTION], figures[EQUIPMENT]
    assert (built["count"], built["area"], built["amount"]) == construction
    assert (bought["count"], bought["amount"]) == equipment
    assert bought["area"] is None


def test_city_totals():
    totals = Project.objects.filter(
        school__county__parent__code="210800", programme=COMPREHENSIVE
    ).aggregate(
        projects=Count("pk"),
        construction=Count("pk", filter=Q(category=CONSTRUCTION)),
        equipment=Count("pk", filter=Q(category=EQUIPMENT)),
        amount=Sum("planned_amount"),
    )
    assert totals == {
        "projects": 118,
        "construction": 77,
        "equipment": 41,
        "amount": Decimal("316300000.00"),
    }


def test_equipment_quantities_of_the_seed():
    quantities = {
        (row["category"], row["unit"]): row["quantity"]
        for row in EquipmentLine.objects.filter(project__category=EQUIPMENT, category__in=COUNTED)
        .values("category", "unit")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    }
    assert quantities == {
        (EquipmentCategory.COMPUTERS, Unit.SET): 1866,
        (EquipmentCategory.BOOKS, Unit.VOLUME): 26100,
        (EquipmentCategory.DESKS, Unit.SET): 10938,
    }


def test_living_facilities_inside_gaizhou_construction():
    lines = EquipmentLine.objects.filter(project__category=CONSTRUCTION)
    gaizhou = lines.filter(project__school__county__code="210881")
    assert gaizhou.count() == 30
    assert gaizhou.values("project").distinct().count() == 30
    assert set(lines.values_list("category", flat=True)) == {EquipmentCategory.LIVING}
    for line in gaizhou.select_related("project"):
        assert 0 < line.amount <= line.project.planned_amount / 10


def test_equipment_projects_lines_add_up():
    projects = Project.objects.filter(category=EQUIPMENT, programme=COMPREHENSIVE).annotate(
        lines=Count("equipment_lines"), lines_amount=Sum("equipment_lines__amount")
    )
    assert projects.count() == 41
    for project in projects:
        assert 1 <= project.lines <= 4, project.code
        assert project.lines_amount == project.planned_amount, project.code


def test_projects_sit_at_eligible_schools_of_their_county():
    for project in Project.objects.select_related("school__county"):
        assert project.school.is_eligible, project.code
        assert project.code.startswith(f"{project.school.county.code}-{project.plan_year}-")
    for county in District.objects.filter(level="county"):
        schools = list(county.schools.annotate(projects_count=Count("projects")))
        ineligible = [school for school in schools if not school.is_eligible]
        assert 25 <= len(schools) <= 40
        assert 1 <= len(ineligible) <= 2
        assert all(school.projects_count == 0 for school in ineligible)


def test_status_follows_the_step_dates():
    projects = list(Project.objects.all())
    for project in projects:
        assert project.status == project.status_from_dates(), project.code
        if project.bid_price is not None:
            assert project.bid_price <= project.planned_amount, project.code
    statuses = {project.status for project in projects}
    assert {ProjectStatus.PLANNED, ProjectStatus.APPROVED, ProjectStatus.IN_USE} <= statuses
    assert any(project.is_early for project in projects)


def test_loading_again_changes_nothing():
    before = row_counts()
    output = StringIO()
    call_command("load_demo", stdout=output)
    assert row_counts() == before
    assert "already" in output.getvalue()


def test_every_demo_user_logs_in(client):
    for demo_user in USERS:
        user = get_user_model().objects.get(username=demo_user.username)
        assert (user.role, user.first_name) == (demo_user.role, demo_user.first_name)
        assert (user.district.code if user.district else None) == demo_user.district
        assert client.login(username=demo_user.username, password=PASSWORD), demo_user
        client.logout()
    assert get_user_model().objects.get(username="admin").is_superuser


def test_demo_money_is_a_programme_under_way():
    from funding.models import Allocation, Arrival, Payment
    from funding.selectors import funding_warnings, ledger_for
    from funding.services import allocation_remaining

    city_user = get_user_model().objects.get(username="yingkou")
    city = District.objects.get(code="210800")
    ledger = ledger_for(user=city_user, district=city)
    # 全面改薄's 3.163亿元 and the 1,235万元 of 盖州市's approved 能力提升 plan (plans/demo.py).
    assert ledger.total.planned == Decimal("316300000.00") + Decimal("12350000.00")
    assert ledger.total.plan_by_source == ledger.total.planned  # no funding gap
    assert ledger.total.arrived == Arrival.objects.aggregate(total=Sum("amount"))["total"]
    assert ledger.total.paid == Payment.objects.aggregate(total=Sum("amount"))["total"]
    assert sum(row.arrived for row in ledger.rows) == ledger.total.arrived
    assert all(allocation_remaining(a) >= 0 for a in Allocation.objects.all())
    project_rows = [
        row
        for county in District.objects.filter(level="county")
        for row in ledger_for(user=city_user, district=county).rows
    ]
    assert len(project_rows) == 118 + 5
    assert sum(row.paid for row in project_rows) == ledger.total.paid
    fully_paid = [row for row in project_rows if row.paid == row.planned]
    waiting = [row for row in project_rows if not row.arrived]
    assert len(fully_paid) > 50 and len(waiting) > 5
    held = {w.url for w in funding_warnings(user=city_user, district=city) if w.kind == "资金滞留"}
    assert len(held) == 1
