"""The money rules: each bad input refused with a message naming the rule, nothing saved."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from funding import services
from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment
from tests.funding.conftest import a_payment

pytestmark = pytest.mark.django_db


def refusal(call) -> str:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        call()
    return " ".join(caught.value.messages)


def test_a_payment_within_what_arrived_is_recorded_with_history(money, users):
    payment = services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )
    assert payment.history.get().history_user == users.gaizhou_finance


def test_payments_never_exceed_what_arrived(money, users):
    services.payment_save(
        payment=a_payment(money.project, amount=Decimal("1500000.00")),
        acting_user=users.gaizhou_finance,
    )
    message = refusal(
        lambda: services.payment_save(
            payment=a_payment(money.project, voucher_number="V-2", amount=Decimal("500000.01")),
            acting_user=users.gaizhou_finance,
        )
    )
    assert "仅 50.00 万元" in message
    assert Payment.objects.count() == 1


def test_payments_are_limited_per_source(money, users):
    message = refusal(
        lambda: services.payment_save(
            payment=a_payment(money.project, source=FundLevel.CENTRAL),
            acting_user=users.gaizhou_finance,
        )
    )
    assert "仅 0.00 万元" in message
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "changes, rule",
    [
        ({"amount": Decimal("0")}, "支付金额必须大于零"),
        ({"amount": Decimal("-5")}, "金额不能为负数"),
        ({"payee": "别的公司"}, "直接支付给项目的施工单位或供应商"),
        ({"paid_on": timezone.localdate() + timedelta(days=1)}, "日期不能晚于今天"),
        ({"approved_on": date(2022, 5, 11)}, "先审批后支付"),
    ],
)
def test_bad_payments_are_refused(money, users, changes, rule):
    message = refusal(
        lambda: services.payment_save(
            payment=a_payment(money.project, **changes), acting_user=users.gaizhou_finance
        )
    )
    assert rule in message
    assert not Payment.objects.exists()


def test_a_voucher_number_is_used_once(money, users):
    services.payment_save(payment=a_payment(money.project), acting_user=users.gaizhou_finance)
    message = refusal(
        lambda: services.payment_save(
            payment=a_payment(money.project, amount=Decimal("1000.00")),
            acting_user=users.gaizhou_finance,
        )
    )
    assert "凭证号已被使用" in message
    assert Payment.objects.count() == 1


def test_a_tranche_is_never_over_distributed(money, users, tree):
    message = refusal(
        lambda: services.allocation_save(
            allocation=Allocation(
                source=FundLevel.PROVINCIAL,
                document_number="营财教〔2022〕22号",
                issued_on=date(2022, 3, 21),
                year=2022,
                recipient=tree.dashiqiao,
                amount=Decimal("2000000.01"),
                split_from=money.city_tranche,
            ),
            acting_user=users.city,
        )
    )
    assert "可分配余额仅 200.00 万元" in message
    assert Allocation.objects.count() == 2


def test_arrivals_never_exceed_what_the_tranche_has_left(money, users):
    message = refusal(
        lambda: services.arrival_save(
            arrival=Arrival(
                allocation=money.county_tranche,
                project=money.project,
                amount=Decimal("1000000.01"),
                arrived_on=date(2022, 4, 2),
            ),
            acting_user=users.gaizhou_finance,
        )
    )
    assert "余额仅 100.00 万元" in message
    assert Arrival.objects.count() == 1


def test_a_county_cannot_record_for_another_county(money, users, tree):
    other = tree.projects["210882"]
    message = refusal(
        lambda: services.payment_save(payment=a_payment(other), acting_user=users.gaizhou_finance)
    )
    assert "不在您的管辖范围内" in message


def test_only_the_finance_bureau_records_payments(money, users):
    with pytest.raises(PermissionDenied):
        services.payment_save(payment=a_payment(money.project), acting_user=users.gaizhou)


def test_an_arrival_cannot_be_cut_below_what_was_paid(money, users):
    services.payment_save(
        payment=a_payment(money.project, amount=Decimal("1800000.00")),
        acting_user=users.gaizhou_finance,
    )
    arrival = money.arrival
    arrival.amount = Decimal("1000000.00")
    message = refusal(
        lambda: services.arrival_save(
            arrival=arrival, acting_user=users.gaizhou_finance, reason="录入错误"
        )
    )
    assert "已支付 180.00 万元" in message
    arrival.refresh_from_db()
    assert arrival.amount == Decimal("2000000.00")


def test_a_correction_is_recorded_with_its_reason(money, users):
    payment = services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )
    payment.amount = Decimal("450000.00")
    services.payment_save(payment=payment, acting_user=users.gaizhou_finance, reason="发票更正")
    latest = payment.history.first()
    assert latest.history_change_reason == "发票更正"
    assert latest.prev_record.amount == Decimal("500000.00")
