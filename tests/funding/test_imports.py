"""Imports of tranches, arrivals and payments: a preview first, then all rows or none."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from funding import services
from funding.models import Allocation, Arrival, Payment
from funding.selectors import held_funds, held_projects
from gaibo.models import ImportBatch
from projects.models import Project
from tests.factories import PASSWORD
from tests.funding.conftest import CONTRACTOR
from tests.spreadsheets import read_xlsx, xlsx_upload

pytestmark = pytest.mark.django_db

PAYMENT_HEADERS = [
    "项目编号",
    "资金来源",
    "收款单位",
    "金额(万元)",
    "支付日期",
    "凭证号",
    "审批签字",
    "审批日期",
]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def payment_row(project, **changes):
    row = {
        "code": project.code,
        "source": "省级",
        "payee": CONTRACTOR,
        "amount": 50,
        "paid_on": date(2022, 5, 10),
        "voucher": "盖财付〔2022〕101号",
        "approved_by": "王建国",
        "approved_on": "2022/5/8",
    }
    row.update(changes)
    return list(row.values())


def upload(client, url, headers, rows, name="导入.xlsx"):
    return client.post(url, {"file": xlsx_upload(headers, rows, name=name)})


def errors_of(response):
    return [(e.row, e.column, e.message) for e in response.context["result"].errors]


@pytest.fixture
def finance(client, money, users):
    login(client, users.gaizhou_finance)
    return client


def test_payment_import_previews_then_writes_on_confirmation(finance, money, users):
    url = reverse("funding:payment_import")
    rows = [
        payment_row(money.project),
        payment_row(
            money.project, amount=30.5, voucher="盖财付〔2022〕102号", paid_on="2022-06-01"
        ),
    ]
    response = upload(finance, url, PAYMENT_HEADERS, rows)

    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and [number for number, _ in result.changes] == [2, 3]
    assert "营口建工集团有限公司" in result.changes[0][1]
    assert Payment.objects.count() == 0  # the preview writes nothing
    page = response.content.decode()
    assert "确认导入" in page

    batch = response.context["batch"]
    response = finance.post(url, {"batch": batch.pk})

    assert response.status_code == 302
    payments = Payment.objects.order_by("paid_on")
    assert [p.amount for p in payments] == [Decimal("500000.00"), Decimal("305000.00")]
    assert payments[0].approved_on == date(2022, 5, 8)
    assert payments[0].history.first().history_user == users.gaizhou_finance
    batch.refresh_from_db()
    assert batch.applied_at is not None and batch.rows == 2
    # A confirmed file cannot be imported a second time.
    assert finance.post(url, {"batch": batch.pk}).status_code == 404


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_written(finance, money, tree):
    other_county = tree.projects["210882"]
    rows = [
        payment_row(money.project),  # good
        payment_row(money.project, amount="五十", voucher="V-2"),
        payment_row(money.project, amount="=10*5", voucher="V-3"),
        payment_row(other_county, voucher="V-4"),
        payment_row(money.project, paid_on="去年", voucher="V-5"),
        payment_row(money.project, source="借款", voucher="V-6"),
    ]
    response = upload(finance, reverse("funding:payment_import"), PAYMENT_HEADERS, rows)

    errors = errors_of(response)
    assert (3, "金额(万元)", "请输入一个数字。") in errors
    assert (4, "金额(万元)", "单元格中是公式，请直接填写数值。") in errors
    assert (5, "项目编号", f"您的辖区内没有项目 {other_county.code}。") in errors
    assert any(row == 6 and column == "支付日期" for row, column, _ in errors)
    assert any(row == 7 and column == "资金来源" for row, column, _ in errors)
    assert not any(row == 2 for row, _, _ in errors)
    assert response.context["batch"] is None
    assert Payment.objects.count() == 0
    assert "文件未被接受，没有保存任何内容。" in response.content.decode()


def test_service_rules_are_checked_row_by_row_across_the_file(finance, money):
    rows = [
        payment_row(money.project, amount=150),  # 150 of the 200 万元 that arrived
        payment_row(money.project, amount=60, voucher="盖财付〔2022〕102号"),  # over what is left
        payment_row(money.project, amount=10),  # the first row's voucher again
        payment_row(money.project, payee="别的公司", voucher="盖财付〔2022〕104号"),
        payment_row(money.project, paid_on=date(2099, 1, 1), voucher="盖财付〔2022〕105号"),
    ]
    response = upload(finance, reverse("funding:payment_import"), PAYMENT_HEADERS, rows)

    errors = errors_of(response)
    assert (3, "金额(万元)", "该项目此来源已到位尚未支付的资金仅 50.00 万元。") in errors
    assert (4, "凭证号", "该凭证号已被使用。") in errors
    assert any(row == 5 and column == "收款单位" for row, column, _ in errors)
    assert (6, "支付日期", "日期不能晚于今天。") in errors
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (PAYMENT_HEADERS[:-1], "缺少“审批日期”列"),
        ([*PAYMENT_HEADERS, "备注二"], "无法识别的列“备注二”"),
        ([*PAYMENT_HEADERS, "凭证号"], "“凭证号”列出现了两次"),
    ],
)
def test_wrong_or_missing_headers_refuse_the_file(finance, money, headers, message):
    rows = [payment_row(money.project)[: len(headers)]]
    response = upload(finance, reverse("funding:payment_import"), headers, rows)

    [(row, column, text)] = errors_of(response)
    assert row is None and message in text
    assert Payment.objects.count() == 0


def test_english_headers_are_understood(finance, money):
    headers = [
        "Project code",
        "Fund source",
        "Payee",
        "Amount (10,000 yuan)",
        "Date paid",
        "Voucher number",
        "Approved by",
        "Date approved",
    ]
    row = payment_row(money.project, source="Provincial")
    response = upload(finance, reverse("funding:payment_import"), headers, [row])
    assert response.context["result"].ok


def test_a_file_that_is_not_xlsx_is_refused(finance, money, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("funding:payment_import")
    response = finance.post(url, {"file": SimpleUploadedFile("付款.csv", b"a,b\n1,2\n")})
    assert "只能导入 .xlsx 文件" in response.content.decode()

    response = finance.post(url, {"file": SimpleUploadedFile("付款.xlsx", b"not a workbook")})
    [(_, _, message)] = errors_of(response)
    assert "这不是 .xlsx 文件" in message

    settings.GAIBO_IMPORT_MAX_BYTES = 1024
    response = upload(finance, url, PAYMENT_HEADERS, [payment_row(money.project)])
    assert "文件超过" in response.content.decode()
    assert Payment.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_an_empty_file_is_refused(finance):
    response = upload(finance, reverse("funding:payment_import"), PAYMENT_HEADERS, [])
    [(_, _, message)] = errors_of(response)
    assert message == "文件中没有可导入的行。"


def test_only_the_uploader_confirms_and_rules_are_checked_again(client, money, users):
    url = reverse("funding:payment_import")
    login(client, users.gaizhou_finance)
    response = upload(client, url, PAYMENT_HEADERS, [payment_row(money.project, amount=150)])
    batch = response.context["batch"]

    login(client, users.city)
    assert client.post(url, {"batch": batch.pk}).status_code in (403, 404)

    # Between the preview and the confirmation, somebody paid part of the money.
    from funding import services
    from tests.funding.conftest import a_payment

    services.payment_save(
        payment=a_payment(money.project, amount=Decimal("1000000.00"), voucher_number="X-1"),
        acting_user=users.gaizhou_finance,
    )
    login(client, users.gaizhou_finance)
    response = client.post(url, {"batch": batch.pk})
    assert response.status_code == 200
    assert errors_of(response)[0][0] == 2
    assert Payment.objects.count() == 1


def test_import_pages_need_the_role(client, users, money):
    login(client, users.gaizhou)  # education bureau: no payments
    assert client.get(reverse("funding:payment_import")).status_code == 403
    assert client.get(reverse("funding:allocation_import")).status_code == 403
    login(client, users.gaizhou_finance)
    assert client.get(reverse("funding:payment_import")).status_code == 200


def test_template_download_has_the_chinese_headers(finance):
    response = finance.get(reverse("funding:payment_import") + "?template=1")
    assert read_xlsx(response.content) == [tuple(PAYMENT_HEADERS)]


TRANCHE_HEADERS = [
    "资金来源",
    "文号",
    "下达日期",
    "资金年度",
    "接收地区（名称或代码）",
    "金额(万元)",
    "拆分自文号",
    "备注",
]


def test_city_imports_its_split_to_counties(client, money, users, tree):
    login(client, users.city)
    url = reverse("funding:allocation_import")
    rows = [
        [
            "省级",
            "营财教〔2022〕30号",
            "2022-04-01",
            2022,
            "大石桥市",
            150,
            "辽财教〔2022〕10号",
            "",
        ],
        ["市级配套", "营财教〔2022〕31号", "2022-04-01", 2022, "210881", 80, "", "市本级配套"],
    ]
    response = upload(client, url, TRANCHE_HEADERS, rows)
    assert response.context["result"].ok
    client.post(url, {"batch": response.context["batch"].pk})

    split = Allocation.objects.get(document_number="营财教〔2022〕30号")
    assert split.split_from == money.city_tranche and split.recipient == tree.dashiqiao
    assert Allocation.objects.get(document_number="营财教〔2022〕31号").recipient == tree.gaizhou


def test_a_tranche_over_distributed_by_the_file_is_refused(client, money, users):
    login(client, users.city)
    rows = [  # the city tranche has 200 万元 left after 300 went to 盖州
        [
            "省级",
            "营财教〔2022〕30号",
            "2022-04-01",
            2022,
            "大石桥市",
            150,
            "辽财教〔2022〕10号",
            "",
        ],
        ["省级", "营财教〔2022〕32号", "2022-04-02", 2022, "盖州市", 60, "辽财教〔2022〕10号", ""],
        ["省级", "营财教〔2022〕33号", "2022-04-02", 2022, "海城市", 10, "", ""],
    ]
    response = upload(client, reverse("funding:allocation_import"), TRANCHE_HEADERS, rows)

    errors = errors_of(response)
    assert (3, "金额(万元)", "文件辽财教〔2022〕10号的可分配余额仅 50.00 万元。") in errors
    assert (4, "接收地区（名称或代码）", "您的辖区内没有地区“海城市”。") in errors
    assert Allocation.objects.count() == 2


ARRIVAL_HEADERS = ["项目编号", "下达文号", "资金来源", "金额(万元)", "到位日期"]


def test_county_finance_imports_arrivals(finance, money):
    url = reverse("funding:arrival_import")
    rows = [
        [money.project.code, "营财教〔2022〕21号", "省级", 100, "2022-05-01"],
        [money.project.code, "营财教〔2022〕99号", "省级", 1, "2022-05-01"],
    ]
    response = upload(finance, url, ARRIVAL_HEADERS, rows)
    assert errors_of(response) == [
        (3, "下达文号", "没有下达到该项目所在县的此来源文件 营财教〔2022〕99号。")
    ]

    response = upload(finance, url, ARRIVAL_HEADERS, rows[:1])
    finance.post(url, {"batch": response.context["batch"].pk})
    assert Arrival.objects.filter(project=money.project).count() == 2


def test_an_import_sums_the_countys_funds_held_once_and_right(finance, money, monkeypatch):
    # Each payment sums its months' fund totals as it is written; what the county holds
    # unpaid (滞留, every month's end) is summed once for the whole file, after its last row.
    summed = []
    original = services._held_rows
    monkeypatch.setattr(
        services,
        "_held_rows",
        lambda county, *args: summed.append(county) or original(county, *args),
    )
    url = reverse("funding:payment_import")
    rows = [
        payment_row(money.project, amount=40, voucher=f"盖财付〔2022〕2{n:02d}号") for n in range(5)
    ]
    batch = upload(finance, url, PAYMENT_HEADERS, rows).context["batch"]
    assert summed == []  # the preview, rolled back, sums nothing
    assert finance.post(url, {"batch": batch.pk}).status_code == 302

    county = money.project.school.county_id
    assert Payment.objects.count() == 5
    assert summed.count(county) == 2  # once per programme, not once per row
    # 2,000,000 arrived on 2022-04-01, 2,000,000 paid in May: nothing is held.
    july = date(2022, 7, 31)
    projects = Project.objects.filter(school__county=county)
    assert held_funds(projects, arrived_by=july - timedelta(days=90), paid_by=july) == {}
    kept = held_projects(counties=[county], programme=money.project.programme, end=july)
    assert kept == {county: 0}
