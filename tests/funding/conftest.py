"""Money fixtures: a provincial tranche split by the city to 盖州市, arrived at its project."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from funding import services
from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment

CONTRACTOR = "营口建工集团有限公司"


@pytest.fixture
def money(tree, users):
    project = tree.projects["210881"]
    project.contractor = CONTRACTOR
    project.save()
    city_tranche = services.allocation_save(
        allocation=Allocation(
            source=FundLevel.PROVINCIAL,
            document_number="辽财教〔2022〕10号",
            issued_on=date(2022, 3, 1),
            year=2022,
            recipient=tree.city,
            amount=Decimal("5000000.00"),
        ),
        acting_user=users.province,
    )
    county_tranche = services.allocation_save(
        allocation=Allocation(
            source=FundLevel.PROVINCIAL,
            document_number="营财教〔2022〕21号",
            issued_on=date(2022, 3, 20),
            year=2022,
            recipient=tree.gaizhou,
            amount=Decimal("3000000.00"),
            split_from=city_tranche,
        ),
        acting_user=users.city,
    )
    arrival = services.arrival_save(
        arrival=Arrival(
            allocation=county_tranche,
            project=project,
            amount=Decimal("2000000.00"),
            arrived_on=date(2022, 4, 1),
        ),
        acting_user=users.gaizhou_finance,
    )
    return SimpleNamespace(
        project=project,
        city_tranche=city_tranche,
        county_tranche=county_tranche,
        arrival=arrival,
    )


def a_payment(project, **changes) -> Payment:
    fields = {
        "project": project,
        "source": FundLevel.PROVINCIAL,
        "payee": CONTRACTOR,
        "amount": Decimal("500000.00"),
        "paid_on": date(2022, 5, 10),
        "voucher_number": "盖财付〔2022〕001号",
        "approved_by": "王建国、李明",
        "approved_on": date(2022, 5, 8),
    }
    fields.update(changes)
    return Payment(**fields)
