"""Funds held unpaid (滞留) kept per county, programme and month (HeldFunds): whatever writes
an arrival or a payment, the kept figure of every month equals the records counted afresh;
a changed GAIBO_HELD_FUNDS_DAYS is never answered from rows kept for another number of days."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from funding import services
from funding.models import Arrival, HeldFunds
from funding.selectors import held_funds, held_projects
from projects import services as project_services
from projects.models import Project, School
from tests.funding.conftest import a_payment

pytestmark = pytest.mark.django_db

MONTHS = [date(2022, month, 1) for month in range(1, 13)] + [date(2023, 1, 1), date(2026, 6, 1)]


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def counted_afresh(county, programme, end: date, days: int = 90) -> int:
    projects = Project.objects.filter(school__county=county, programme=programme)
    held = held_funds(projects, arrived_by=end - timedelta(days=days), paid_by=end)
    return len({project for project, _source in held})


def held_by_month(tree, programme) -> dict:
    counties = [tree.gaizhou.pk, tree.dashiqiao.pk]
    return {
        month: held_projects(counties=counties, programme=programme, end=month_end(month))
        for month in MONTHS
    }


def assert_kept_as_counted(tree, programme):
    """The kept rows (not the fallback that counts a county without rows afresh) agree with
    the records counted afresh, for every month."""
    for county in (tree.gaizhou.pk, tree.dashiqiao.pk):
        assert HeldFunds.objects.filter(county=county, programme=programme, days=90).exists()
    for month, kept in held_by_month(tree, programme).items():
        for county, count in kept.items():
            assert count == counted_afresh(county, programme, month_end(month)), (county, month)


@pytest.fixture(autouse=True)
def summed(money):
    """Every county's rows, 大石桥市's (no money yet) included, before each test's writes."""
    services.fund_totals_refresh()


def test_money_arrived_counts_as_held_once_unpaid_for_90_days(money, tree):
    # 2,000,000 arrived on 2022-04-01: held from the end of June (the 90th day), unpaid since.
    held = held_by_month(tree, money.project.programme)
    gaizhou = tree.gaizhou.pk
    assert [held[date(2022, month, 1)][gaizhou] for month in (4, 5, 6, 7)] == [0, 0, 1, 1]
    assert held[date(2026, 6, 1)][gaizhou] == 1  # still held years later
    assert held[date(2022, 7, 1)][tree.dashiqiao.pk] == 0
    assert_kept_as_counted(tree, money.project.programme)


def test_paying_everything_ends_the_holding_from_the_month_paid(money, users, tree):
    services.payment_save(payment=a_payment(money.project), acting_user=users.gaizhou_finance)
    assert held_by_month(tree, money.project.programme)[date(2022, 7, 1)][tree.gaizhou.pk] == 1
    services.payment_save(
        payment=a_payment(
            money.project,
            amount=Decimal("1500000.00"),
            paid_on=date(2022, 8, 15),
            voucher_number="盖财付〔2022〕002号",
        ),
        acting_user=users.gaizhou_finance,
    )
    held = held_by_month(tree, money.project.programme)
    gaizhou = tree.gaizhou.pk
    assert [held[date(2022, month, 1)][gaizhou] for month in (6, 7, 8, 9)] == [1, 1, 0, 0]
    assert held[date(2026, 6, 1)][gaizhou] == 0
    assert_kept_as_counted(tree, money.project.programme)


def test_a_corrected_arrival_date_moves_the_holding(money, users, tree):
    arrival = Arrival.objects.get(pk=money.arrival.pk)
    arrival.arrived_on = date(2022, 3, 1)
    services.arrival_save(arrival=arrival, acting_user=users.gaizhou_finance, reason="凭证日期")
    held = held_by_month(tree, money.project.programme)
    assert held[date(2022, 5, 1)][tree.gaizhou.pk] == 1  # 2022-03-01 + 90 days = 05-30
    assert_kept_as_counted(tree, money.project.programme)


def test_a_school_moved_to_another_county_takes_its_holding_along(money, users, tree):
    school = School.objects.get(pk=money.project.school_id)
    school.county = tree.dashiqiao
    project_services.school_save(school=school, acting_user=users.city)
    held = held_by_month(tree, money.project.programme)
    assert held[date(2022, 7, 1)] == {tree.gaizhou.pk: 0, tree.dashiqiao.pk: 1}
    assert_kept_as_counted(tree, money.project.programme)


def test_the_kept_figures_are_read_in_one_statement(money, tree, django_assert_num_queries):
    # A county without rows (大石桥市's, removed) is counted from its records: one statement more.
    HeldFunds.objects.filter(county=tree.dashiqiao).delete()
    with django_assert_num_queries(2):
        held_projects(
            counties=[tree.gaizhou.pk, tree.dashiqiao.pk],
            programme=money.project.programme,
            end=date(2024, 5, 31),
        )
    services.fund_totals_refresh()
    with django_assert_num_queries(1):
        held_projects(
            counties=[tree.gaizhou.pk, tree.dashiqiao.pk],
            programme=money.project.programme,
            end=date(2024, 5, 31),
        )


def test_another_number_of_days_is_counted_from_the_records_until_kept_again(money, tree):
    programme = money.project.programme
    counties = [tree.gaizhou.pk]
    may_end = date(2022, 5, 31)
    assert held_projects(counties=counties, programme=programme, end=may_end) == {
        tree.gaizhou.pk: 0
    }
    with override_settings(GAIBO_HELD_FUNDS_DAYS=30):
        # Arrived 2022-04-01, unpaid on 05-31: more than 30 days. No rows for 30 days yet.
        assert held_projects(counties=counties, programme=programme, end=may_end) == {
            tree.gaizhou.pk: 1
        }
        call_command("refresh_totals", verbosity=0)
        assert set(HeldFunds.objects.values_list("days", flat=True)) == {30}
        assert held_projects(counties=counties, programme=programme, end=may_end) == {
            tree.gaizhou.pk: 1
        }
