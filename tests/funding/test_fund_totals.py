"""The fund totals the dashboards read (FundTotals): whatever writes an arrival or a payment,
each county's totals by programme, source and month equal the records summed afresh."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from funding import services
from funding.choices import FundLevel
from funding.models import Allocation, Arrival, FundTotals, Payment
from projects import services as project_services
from projects.models import School
from tests.concurrency import at_once, failures
from tests.factories import ProjectFactory
from tests.funding.conftest import CONTRACTOR, a_payment

ZERO = Decimal("0.00")


def kept() -> dict:
    """The fund totals as kept: {(county, programme, source, month): (arrived, paid)}."""
    return {
        (row.county_id, row.programme, row.source, row.month): (row.arrived, row.paid)
        for row in FundTotals.objects.all()
    }


def summed_afresh() -> dict:
    """The records summed in Python, independently of the service's grouped queries."""
    sums = {}
    for arrival in Arrival.objects.select_related("allocation", "project__school"):
        project = arrival.project
        key = (
            project.school.county_id,
            project.programme,
            arrival.allocation.source,
            arrival.arrived_on.replace(day=1),
        )
        sums.setdefault(key, [ZERO, ZERO])[0] += arrival.amount
    for payment in Payment.objects.select_related("project__school"):
        project = payment.project
        key = (
            project.school.county_id,
            project.programme,
            payment.source,
            payment.paid_on.replace(day=1),
        )
        sums.setdefault(key, [ZERO, ZERO])[1] += payment.amount
    return {key: tuple(amounts) for key, amounts in sums.items()}


def test_arrivals_and_payments_are_summed_by_month(money, users, tree):
    services.payment_save(payment=a_payment(money.project), acting_user=users.gaizhou_finance)
    programme = money.project.programme
    assert kept() == {
        (tree.gaizhou.pk, programme, FundLevel.PROVINCIAL, date(2022, 4, 1)): (
            Decimal("2000000.00"),
            ZERO,
        ),
        (tree.gaizhou.pk, programme, FundLevel.PROVINCIAL, date(2022, 5, 1)): (
            ZERO,
            Decimal("500000.00"),
        ),
    }
    assert kept() == summed_afresh()


def test_a_corrected_date_or_amount_moves_the_money_between_months(money, users):
    payment = services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )
    arrival = Arrival.objects.get(pk=money.arrival.pk)
    arrival.arrived_on = date(2022, 3, 25)
    arrival.amount = Decimal("1500000.00")
    services.arrival_save(arrival=arrival, acting_user=users.gaizhou_finance, reason="凭证日期")
    payment.paid_on = date(2022, 6, 2)
    services.payment_save(payment=payment, acting_user=users.gaizhou_finance, reason="凭证日期")

    months = {month: amounts for (_c, _p, _s, month), amounts in kept().items()}
    assert months == {
        date(2022, 3, 1): (Decimal("1500000.00"), ZERO),
        date(2022, 6, 1): (ZERO, Decimal("500000.00")),
    }
    assert kept() == summed_afresh()


def test_a_school_moved_to_another_county_takes_its_money_along(money, users, tree):
    services.payment_save(payment=a_payment(money.project), acting_user=users.gaizhou_finance)
    school = money.project.school
    school.county = tree.dashiqiao
    project_services.school_save(school=school, acting_user=users.city)

    assert {county for county, *_rest in kept()} == {tree.dashiqiao.pk}
    assert kept() == summed_afresh()


def test_a_tranche_whose_source_is_corrected_moves_its_arrivals_money(money, users):
    tranche = Allocation.objects.get(pk=money.county_tranche.pk)
    tranche.split_from = None  # a county tranche of its own, so that its source may change
    tranche.source = FundLevel.CENTRAL
    services.allocation_save(allocation=tranche, acting_user=users.city, reason="来源录错")

    assert {source for _c, _p, source, _m in kept()} == {FundLevel.CENTRAL}
    assert kept() == summed_afresh()


def test_a_payment_deleted_in_the_admin_leaves_the_totals(client, money, users):
    payment = services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )
    client.force_login(users.admin)
    response = client.post(
        reverse("admin:funding_payment_delete", args=[payment.pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not Payment.objects.exists()
    assert kept() == summed_afresh()
    assert all(paid == ZERO for _arrived, paid in kept().values())


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_file_of_payments_and_a_clerks_payment_at_once_do_not_deadlock(money, users, tree):
    # An import writes its rows in one transaction: project A, then project B. Meanwhile a
    # clerk pays on project B. Counties are locked before projects, so one waits for the other.
    other = ProjectFactory(school=tree.schools["210881"], contractor=CONTRACTOR)
    services.arrival_save(
        arrival=Arrival(
            allocation=money.county_tranche,
            project=other,
            amount=Decimal("600000.00"),
            arrived_on=date(2022, 4, 2),
        ),
        acting_user=users.gaizhou_finance,
    )
    started = threading.Event()

    def import_two_rows():
        with transaction.atomic():
            services.payment_save(
                payment=a_payment(money.project, voucher_number="F-1"),
                acting_user=users.gaizhou_finance,
            )
            started.set()
            time.sleep(1)
            services.payment_save(
                payment=a_payment(other, voucher_number="F-2", amount=Decimal("100000.00")),
                acting_user=users.gaizhou_finance,
            )

    def clerk_pays():
        services.payment_save(
            payment=a_payment(other, voucher_number="C-1", amount=Decimal("100000.00")),
            acting_user=users.gaizhou_finance,
        )

    assert failures(at_once(import_two_rows, clerk_pays, wait=started)) == []
    assert Payment.objects.count() == 3
    assert kept() == summed_afresh()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_project_moved_while_a_payment_is_recorded_counts_it_once(money, users, tree):
    started = threading.Event()

    def pay():
        with transaction.atomic():
            services.payment_save(
                payment=a_payment(money.project, paid_on=date(2022, 6, 2)),
                acting_user=users.gaizhou_finance,
            )
            started.set()
            time.sleep(1)

    def move():
        school = School.objects.get(pk=tree.schools["210881"].pk)
        school.county = tree.dashiqiao
        project_services.school_save(school=school, acting_user=users.city)

    assert failures(at_once(pay, move, wait=started)) == []
    assert kept() == summed_afresh()
    assert {county for county, *_rest in kept()} == {tree.dashiqiao.pk}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_payments_in_one_county_and_month_at_once_are_both_counted(money, users, tree):
    # Two projects of 盖州市, each with funds arrived; both pay in May 2022 at the same moment.
    # Each payment locks its own project only; the county's totals must count both.
    other = ProjectFactory(school=tree.schools["210881"], contractor=CONTRACTOR)
    services.arrival_save(
        arrival=Arrival(
            allocation=money.county_tranche,
            project=other,
            amount=Decimal("600000.00"),
            arrived_on=date(2022, 4, 2),
        ),
        acting_user=users.gaizhou_finance,
    )

    def pay(project, voucher):
        return lambda: services.payment_save(
            payment=a_payment(project, voucher_number=voucher),
            acting_user=users.gaizhou_finance,
        )

    outcomes = at_once(pay(money.project, "V-0"), pay(other, "V-1"))
    assert failures(outcomes) == []
    may = kept()[(tree.gaizhou.pk, other.programme, FundLevel.PROVINCIAL, date(2022, 5, 1))]
    assert may == (ZERO, Decimal("1000000.00"))
    assert kept() == summed_afresh()


def test_a_payment_for_a_project_moved_in_that_very_moment_is_refused(
    money, users, tree, monkeypatch
):
    # The county is read, then locked; a project that moved in between is refused (to be
    # tried again) rather than written with the counties locked in the wrong order.
    counties = iter([[tree.gaizhou.pk], [tree.dashiqiao.pk]])
    monkeypatch.setattr(services, "_county_of_project", lambda project_id: next(counties))
    with pytest.raises(ValidationError, match="此项目刚刚移到了另一县区"):
        services.payment_save(payment=a_payment(money.project), acting_user=users.gaizhou_finance)
    assert not Payment.objects.exists()
