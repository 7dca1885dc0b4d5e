"""Two payments racing past the limit on PostgreSQL: one commits, the other is refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from funding import services
from funding.models import Payment
from tests.concurrency import at_once
from tests.funding.conftest import a_payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
    ),
]


def test_two_concurrent_payments_cannot_both_pass_the_limit(money, users):
    # 2,000,000 arrived; each payment takes 1,200,000: only one may commit.
    def pay(voucher):
        return lambda: services.payment_save(
            payment=a_payment(money.project, voucher_number=voucher, amount=Decimal("1200000.00")),
            acting_user=users.gaizhou_finance,
        )

    outcomes = [
        "refused"
        if isinstance(outcome, ValidationError)
        else "paid"
        if isinstance(outcome, Payment)
        else outcome
        for outcome in at_once(pay("V-1"), pay("V-2"))
    ]
    assert sorted(outcomes) == ["paid", "refused"]
    assert Payment.objects.count() == 1
