"""Two payments racing past the limit on PostgreSQL: one commits, the other is refused."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from funding import services
from funding.models import Payment
from tests.funding.conftest import a_payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
    ),
]


def test_two_concurrent_payments_cannot_both_pass_the_limit(money, users):
    # 2,000,000 arrived; each payment takes 1,200,000: only one may commit.
    barrier = threading.Barrier(2)
    outcomes = []

    def pay(voucher):
        try:
            barrier.wait(timeout=10)
            services.payment_save(
                payment=a_payment(
                    money.project, voucher_number=voucher, amount=Decimal("1200000.00")
                ),
                acting_user=users.gaizhou_finance,
            )
            outcomes.append("paid")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(f"V-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["paid", "refused"]
    assert Payment.objects.count() == 1
