"""The ledgers: totals agree at project, county and city; each page goes through the access rule."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from funding import selectors, services
from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment
from projects.models import Project
from tests.factories import PASSWORD, ProjectFactory
from tests.funding.conftest import CONTRACTOR, a_payment

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def paid(money, users):
    services.payment_save(
        payment=a_payment(money.project, amount=Decimal("1500000.00")),
        acting_user=users.gaizhou_finance,
    )
    services.funding_plan_save(
        project=money.project,
        amounts={FundLevel.PROVINCIAL: Decimal("3000000.00"), FundLevel.COUNTY: Decimal("600000")},
        acting_user=users.gaizhou,
    )
    return money


def test_totals_agree_at_project_county_and_city(paid, users, tree):
    project = selectors.project_ledger(project=paid.project).total
    county = selectors.ledger_for(user=users.city, district=tree.gaizhou)
    city = selectors.ledger_for(user=users.city, district=tree.city)
    for ledger_total in (county.total, city.total):
        assert ledger_total.arrived == project.arrived == Decimal("2000000.00")
        assert ledger_total.paid == project.paid == Decimal("1500000.00")
    gaizhou_row = next(row for row in city.rows if row.label == "盖州市")
    assert gaizhou_row.arrival_rate == Decimal("55.6")  # 200 of 360 万元
    assert gaizhou_row.payment_rate == Decimal("75.0")
    assert city.total.planned == Decimal("7200000.00")  # both counties of the city


def test_the_county_ledger_lists_projects_and_the_city_ledger_counties(client, paid, users):
    login(client, users.city)
    page = client.get(reverse("funding:ledger")).content.decode()
    assert "盖州市" in page and "大石桥市" in page and "海城市" not in page
    page = client.get(reverse("funding:ledger"), {"district": "210881"}).content.decode()
    assert paid.project.code in page
    assert client.get(reverse("funding:ledger"), {"district": "210381"}).status_code == 404


def test_a_county_cannot_see_another_countys_money(client, paid, users):
    login(client, users.dashiqiao)
    assert client.get(reverse("funding:project_ledger", args=[paid.project.pk])).status_code == 404
    tranche = paid.county_tranche
    assert client.get(reverse("funding:allocation_detail", args=[tranche.pk])).status_code == 404
    assert client.get(reverse("funding:ledger"), {"district": "210881"}).status_code == 404
    page = client.get(reverse("funding:allocation_list")).content.decode()
    assert tranche.document_number not in page


def test_a_tranche_leads_to_the_payments_it_funded(client, paid, users):
    login(client, users.gaizhou_finance)
    page = client.get(paid.county_tranche.get_absolute_url()).content.decode()
    assert paid.project.code in page
    assert "盖财付〔2022〕001号" in page and "150.00" in page


def test_the_ledger_exports_to_xlsx_with_numbers(client, paid, users):
    login(client, users.city)
    response = client.get(reverse("funding:ledger_export"), {"district": "210800"})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "名称"
    gaizhou = next(row for row in rows if row[0] == "盖州市")
    assert gaizhou[2] == 200 and gaizhou[3] == 150
    assert rows[-1][0] == "合计"


def test_warnings_name_held_funds_missing_vouchers_twins_and_gaps(paid, users, tree):
    services.payment_save(
        payment=a_payment(paid.project, voucher_number="", amount=Decimal("1000.00")),
        acting_user=users.gaizhou_finance,
    )
    twin = type(paid.project).objects.create(
        code="210881-2022-099",
        name="重复的教学楼",
        school=paid.project.school,
        programme=paid.project.programme,
        category=paid.project.category,
        construction_kind=paid.project.construction_kind,
        work_type=paid.project.work_type,
        plan_year=paid.project.plan_year,
        planned_area=Decimal("100"),
        planned_amount=Decimal("100000"),
    )
    today = date(2022, 4, 1) + timedelta(days=100)
    kinds = [
        warning.kind
        for warning in selectors.funding_warnings(user=users.city, district=tree.city, today=today)
    ]
    assert kinds.count("资金滞留") == 1  # 200 arrived on 1 April, 150.1 paid: 49.9 held
    assert kinds.count("无凭证") == 1
    assert kinds.count("重复交叉") == 1
    assert "资金缺口" in kinds  # the twin and 大石桥's project have no funding plan
    messages = [
        w.message
        for w in selectors.funding_warnings(user=users.city, district=tree.city, today=today)
    ]
    assert any("49.90 万元" in message for message in messages)
    assert any(twin.code in message for message in messages)


@pytest.mark.parametrize(("paid", "held"), [("0.30", None), ("0.29", Decimal("0.01"))])
def test_funds_are_held_to_the_fen(money, users, paid, held):
    """0.10 + 0.20 yuan arrived: 0.30 paid holds nothing (as binary floating point, the sum of
    the arrivals is above 0.30); 0.29 paid holds a fen."""
    project = ProjectFactory(school=money.project.school, contractor=CONTRACTOR)
    for amount in ("0.10", "0.20"):
        services.arrival_save(
            arrival=Arrival(
                allocation=money.county_tranche,
                project=project,
                amount=Decimal(amount),
                arrived_on=date(2022, 4, 1),
            ),
            acting_user=users.gaizhou_finance,
        )
    services.payment_save(
        payment=a_payment(project, amount=Decimal(paid)), acting_user=users.gaizhou_finance
    )
    projects = type(project).objects.filter(pk=project.pk)
    found = selectors.held_funds(projects, arrived_by=date(2022, 4, 1))
    assert found.get((project.pk, FundLevel.PROVINCIAL)) == held


def test_no_projects_hold_no_funds(money):
    assert selectors.held_funds(Project.objects.none(), arrived_by=date(2022, 4, 1)) == {}


def test_finance_user_records_a_payment_through_the_page(client, money, users):
    login(client, users.gaizhou_finance)
    url = reverse("funding:payment_create", args=[money.project.pk])
    data = {
        "source": FundLevel.PROVINCIAL,
        "payee": money.project.contractor,
        "amount": "30",
        "paid_on": "2022-05-10",
        "voucher_number": "V-100",
        "approved_by": "王建国",
        "approved_on": "2022-05-09",
    }
    assert client.post(url, data).status_code == 302
    assert Payment.objects.get().amount == Decimal("300000.00")
    data.update(voucher_number="V-101", amount="171")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "仅 170.00 万元" in response.content.decode()
    assert Payment.objects.count() == 1


def test_education_user_cannot_record_payments(client, money, users):
    login(client, users.gaizhou)
    url = reverse("funding:payment_create", args=[money.project.pk])
    assert client.get(url).status_code == 403


def test_ledger_query_count_does_not_grow(client, paid, users, tree, django_assert_max_num_queries):
    login(client, users.city)
    with django_assert_max_num_queries(25):
        client.get(reverse("funding:ledger"))


def test_a_tranche_shows_what_was_allocated_before_it(client, money, users, tree):
    later = services.allocation_save(
        allocation=type(money.county_tranche)(
            source=FundLevel.PROVINCIAL,
            document_number="营财教〔2022〕40号",
            issued_on=date(2022, 6, 1),
            year=2022,
            recipient=tree.gaizhou,
            amount=Decimal("1000000.00"),
            split_from=money.city_tranche,
        ),
        acting_user=users.city,
    )
    totals = selectors.allocation_totals(allocation=later)
    assert totals == {
        "before": Decimal("3000000.00"),
        "this": Decimal("1000000.00"),
        "total": Decimal("4000000.00"),
    }
    login(client, users.gaizhou_finance)
    page = client.get(later.get_absolute_url()).content.decode()
    assert "已预下达" in page and "300.00" in page and "400.00" in page


def test_a_payment_is_corrected_with_a_reason_kept_in_the_history(client, money, users):
    payment = services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )
    url = reverse("funding:payment_correct", args=[payment.pk])
    login(client, users.gaizhou_finance)
    fields = {
        "source": payment.source,
        "payee": payment.payee,
        "amount": "45",
        "paid_on": "2022-05-10",
        "voucher_number": payment.voucher_number,
        "approved_by": payment.approved_by,
        "approved_on": "2022-05-08",
        "loaded_version": payment.version,
    }
    response = client.post(url, fields)
    assert "更正原因" in response.content.decode() and response.status_code == 200
    payment.refresh_from_db()
    assert payment.amount == Decimal("500000.00")  # no reason, no change

    response = client.post(url, {**fields, "amount": "250", "reason": "发票金额录错"})
    assert "该项目此来源已到位尚未支付的资金仅 200.00 万元。" in response.content.decode()

    response = client.post(url, {**fields, "reason": "发票金额录错"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.amount == Decimal("450000.00")
    page = client.get(reverse("funding:project_ledger", args=[money.project.pk])).content.decode()
    assert "原因：发票金额录错" in page and "500000.00 → 450000.00" in page


def test_an_arrival_is_corrected_with_a_reason(client, money, users):
    url = reverse("funding:arrival_correct", args=[money.arrival.pk])
    login(client, users.gaizhou_finance)
    response = client.post(
        url,
        {
            "allocation": money.county_tranche.pk,
            "amount": "180",
            "arrived_on": "2022-04-01",
            "reason": "银行回单为180万元",
            "loaded_version": money.arrival.version,
        },
    )
    assert response.status_code == 302
    money.arrival.refresh_from_db()
    assert money.arrival.amount == Decimal("1800000.00")
    assert money.arrival.history.first().history_change_reason == "银行回单为180万元"


def test_corrections_go_through_the_access_rules(client, money, users):
    payment = services.payment_save(
        payment=a_payment(money.project), acting_user=users.gaizhou_finance
    )
    login(client, users.dashiqiao)
    assert client.get(reverse("funding:payment_correct", args=[payment.pk])).status_code == 404
    assert (
        client.get(reverse("funding:arrival_correct", args=[money.arrival.pk])).status_code == 404
    )
    login(client, users.gaizhou)  # the county's education bureau does not record money
    assert client.get(reverse("funding:payment_correct", args=[payment.pk])).status_code == 403
    login(client, users.city)
    url = reverse("funding:allocation_correct", args=[money.county_tranche.pk])
    response = client.post(
        url,
        {
            "source": "provincial",
            "document_number": "营财教〔2022〕21号",
            "issued_on": "2022-03-20",
            "year": 2022,
            "recipient": money.county_tranche.recipient_id,
            "amount": "150",  # below the 200 万元 that already arrived
            "reason": "文件更正",
            "loaded_version": money.county_tranche.version,
        },
    )
    assert "该笔资金已分解或到位的金额超过此金额。" in response.content.decode()
    money.county_tranche.refresh_from_db()
    assert money.county_tranche.amount == Decimal("3000000.00")


def test_tranche_list_is_paginated(client, money, users, tree):
    for number in range(30):
        services.allocation_save(
            allocation=Allocation(
                source=FundLevel.CITY,
                document_number=f"营财教〔2023〕{number}号",
                issued_on=date(2023, 1, 1),
                year=2023,
                recipient=tree.dashiqiao,
                amount=Decimal("10000.00"),
            ),
            acting_user=users.city,
        )
    login(client, users.city)
    response = client.get(reverse("funding:allocation_list"))
    assert response.context["page_obj"].paginator.num_pages == 2
    assert "共 32 笔资金下达" in response.content.decode()
    assert len(client.get(reverse("funding:allocation_list"), {"page": 2}).context["page_obj"]) == 7
