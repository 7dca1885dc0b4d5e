"""A plan's Excel round trip: equipment lines, a code given twice, a save after the preview."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from plans import services
from plans.models import PlanItem, PlanItemLine
from projects.choices import ProjectCategory
from tests.plans.conftest import make_item
from tests.plans.test_views import headers, login, row
from tests.spreadsheets import XLSX_TYPE, read_xlsx, xlsx_upload

pytestmark = pytest.mark.django_db

LINES = (
    ("computers", "学生计算机", "set", Decimal("40"), Decimal("240000.00")),
    ("computers", "教师计算机", "set", Decimal("2"), Decimal("16000.00")),
    ("desks", "学生课桌凳", "set", Decimal("40"), Decimal("24000.00")),
)


@pytest.fixture
def equipped(plan, users, tree):
    """A computer room of three equipment lines (28万元) in the fixture's plan."""
    item = make_item(
        plan,
        users.gaizhou,
        school=tree.schools["210881"],
        code="GZ-2023-02",
        name="计算机教室建设",
        category=ProjectCategory.EQUIPMENT,
        planned_amount=Decimal("280000.00"),
        plan_year=2023,
    )
    lines = [
        PlanItemLine(category=category, name=name, unit=unit, quantity=quantity, amount=amount)
        for category, name, unit, quantity, amount in LINES
    ]
    services.plan_item_save(item=item, lines=lines, acting_user=users.gaizhou)
    return item


def url_of(plan):
    return reverse("plans:plan_import", args=[plan.pk])


def template(client, plan) -> bytes:
    return client.get(url_of(plan) + "?template=1").content


def lines_of(item):
    return list(item.lines.order_by("pk").values_list("pk", "name", "quantity", "amount"))


def test_the_template_has_a_row_per_equipment_line_and_says_how(client, plan, users, equipped):
    login(client, users.gaizhou)
    content = template(client, plan)
    rows = read_xlsx(content)
    assert rows[0][0] == "项目编号" and rows[0][-1] == "设备金额（万元）"
    computer_room = [list(cells) for cells in rows if cells[0] == "GZ-2023-02"]
    assert len(computer_room) == 3
    first, second, third = computer_room
    assert first[1:3] == ["计算机教室建设", equipped.school.code]
    assert first[-5:] == ["计算机及教学仪器设备", "学生计算机", "套", 40, 24]
    # A further line: the project code and the equipment columns only.
    assert second[1:-5] == [None] * 16
    assert second[-5:] == ["计算机及教学仪器设备", "教师计算机", "套", 2, 1.6]
    assert third[-5:] == ["课桌凳", "学生课桌凳", "套", 40, 2.4]
    workbook = load_workbook(BytesIO(content))
    assert workbook.sheetnames == ["规划项目", "填写说明"]
    instructions = " ".join(
        str(cells[0]) for cells in workbook["填写说明"].iter_rows(values_only=True)
    )
    assert "其他每条设备明细各占一行" in instructions
    assert "两个项目使用同一编号时，整个文件不予导入" in instructions
    page = client.get(url_of(plan)).content.decode()
    assert "其他每条设备明细各占一行" in page


def test_the_plans_own_template_uploaded_unchanged_changes_nothing(client, plan, users, equipped):
    login(client, users.gaizhou)
    before = lines_of(equipped)
    history = equipped.history.count()
    upload = SimpleUploadedFile("规划.xlsx", template(client, plan), XLSX_TYPE)
    response = client.post(url_of(plan), {"file": upload})
    assert response.context["result"].errors == []
    assert response.context["batch"] is None
    assert "没有需要写入的内容" in response.content.decode()
    assert lines_of(equipped) == before
    assert equipped.history.count() == history


def test_an_edited_line_is_updated_and_a_deleted_one_removed(client, plan, users, equipped):
    login(client, users.gaizhou)
    rows = [list(cells) for cells in read_xlsx(template(client, plan))]
    [first, second, third] = [
        number for number, cells in enumerate(rows) if cells[0] == "GZ-2023-02"
    ]
    rows[second][-2] = 4  # four teachers' computers for 3.2万元 …
    rows[second][-1] = 3.2
    rows[third][-1] = 1.6  # … and 0.8万元 less for the desks,
    rows[first][11] = 13.2  # the county's share moved from central to county funds:
    rows[first][14] = 14.8
    response = client.post(url_of(plan), {"file": xlsx_upload(rows[0], rows[1:])})
    result = response.context["result"]
    assert result.errors == []
    assert [number for number, _change in result.changes] == [first + 1]
    assert result.changes[0][1] == (
        "修改 GZ-2023-02 计算机教室建设：中央资金(万元) 14.00 → 13.20；"
        "县级配套(万元) 14.00 → 14.80；2条设备明细有修改"
    )
    before = lines_of(equipped)
    assert lines_of(equipped) == before  # the preview writes nothing
    response = client.post(url_of(plan), {"batch": response.context["batch"].pk})
    assert response.status_code == 302
    assert lines_of(equipped) == [
        before[0],
        (before[1][0], "教师计算机", Decimal("4.00"), Decimal("32000.00")),
        (before[2][0], "学生课桌凳", Decimal("40.00"), Decimal("16000.00")),
    ]
    equipped.refresh_from_db()
    assert (equipped.fund_central, equipped.fund_county) == (Decimal(132000), Decimal(148000))

    # The desks' row deleted, a projector's row added.
    rows = [list(cells) for cells in read_xlsx(template(client, plan))]
    third = [number for number, cells in enumerate(rows) if cells[0] == "GZ-2023-02"][2]
    rows[third][-5:] = ["计算机及教学仪器设备", "多媒体投影仪", "台", 1, 1.6]
    rows.append(["GZ-2023-02", *[None] * 16, "音体美器材", "钢琴", "台", 1, 0.5])
    response = client.post(url_of(plan), {"file": xlsx_upload(rows[0], rows[1:])})
    assert response.context["result"].changes[0][1] == (
        "修改 GZ-2023-02 计算机教室建设：1条设备明细有修改；新增1条设备明细"
    )
    client.post(url_of(plan), {"batch": response.context["batch"].pk})
    assert [name for _pk, name, *_rest in lines_of(equipped)] == [
        "学生计算机",
        "教师计算机",
        "多媒体投影仪",
        "钢琴",
    ]
    rows = [list(cells) for cells in read_xlsx(template(client, plan))]
    rows = [cells for cells in rows if cells[-4] not in ("多媒体投影仪", "钢琴")]
    response = client.post(url_of(plan), {"file": xlsx_upload(rows[0], rows[1:])})
    assert response.context["result"].changes[0][1] == (
        "修改 GZ-2023-02 计算机教室建设：删除2条设备明细"
    )
    client.post(url_of(plan), {"batch": response.context["batch"].pk})
    assert equipped.lines.count() == 2


def test_a_copied_project_row_with_another_equipment_line_adds_the_line(client, plan, users):
    login(client, users.gaizhou)
    school = plan.items.first().school.code
    books = {
        "category": "设备购置",
        "construction_kind": "",
        "work_type": "",
        "area": None,
        "end_year": 2022,
        "amount": 10,
        "central": 10,
        "county": None,
        "eq_category": "图书",
        "eq_unit": "册",
    }
    rows = [
        row("GZ-5", "图书购置", school, **books, eq_item="教辅图书", eq_quantity=2000) + [6],
        row("GZ-5", "图书购置", school, **books, eq_item="工具书", eq_quantity=1000) + [4],
    ]
    response = client.post(url_of(plan), {"file": xlsx_upload(headers(), rows)})
    assert response.context["result"].errors == []
    client.post(url_of(plan), {"batch": response.context["batch"].pk})
    item = plan.items.get(code="GZ-5")
    assert list(item.lines.values_list("name", "amount")) == [
        ("教辅图书", Decimal("60000.00")),
        ("工具书", Decimal("40000.00")),
    ]


def test_a_project_code_on_two_rows_refuses_the_whole_file(client, plan, users, tree):
    login(client, users.gaizhou)
    school = tree.schools["210881"].code
    rows = [
        row("GZ-7", "食堂新建", school, construction_kind="食堂"),
        row("GZ-2022-01", "学生宿舍新建", school, amount=300, central=150, county=150),
        row("GZ-7", "厕所改造", school, construction_kind="厕所", work_type="维修改造"),
    ]
    response = client.post(url_of(plan), {"file": xlsx_upload(headers(), rows)})
    errors = response.context["result"].errors
    assert [(error.row, error.column) for error in errors] == [(4, "项目编号")]
    assert errors[0].message.startswith(
        "项目编号GZ-7已在第2行使用，且两行的项目内容不同（项目名称；建设类型；建设性质）："
        "两个项目不能使用同一编号。"
    )
    assert response.context["batch"] is None
    assert "文件未被接受，没有保存任何内容。" in response.content.decode()
    assert not plan.items.filter(code="GZ-7").exists()
    assert plan.items.get(code="GZ-2022-01").planned_amount == Decimal("3600000.00")


def test_a_project_row_repeated_without_an_equipment_line_is_a_row_error(client, plan, users):
    login(client, users.gaizhou)
    school = plan.items.first().school.code
    rows = [row("GZ-7", "食堂新建", school, construction_kind="食堂")] * 2
    errors = (
        client.post(url_of(plan), {"file": xlsx_upload(headers(), rows)}).context["result"].errors
    )
    assert [(error.row, error.message) for error in errors] == [
        (3, "项目编号GZ-7已在第2行使用：每个项目只占一行，每条其他设备明细另占一行。")
    ]


def test_an_equipment_line_without_its_project_row_is_a_row_error(client, plan, users):
    login(client, users.gaizhou)
    rows = [["GZ-404", *[None] * 16, "图书", "教辅图书", "册", 100, 1]]
    errors = (
        client.post(url_of(plan), {"file": xlsx_upload(headers(), rows)}).context["result"].errors
    )
    assert [(error.row, error.message) for error in errors] == [
        (
            2,
            "该行是项目GZ-404的设备明细，但文件中没有填写该项目各栏（项目名称、学校、类别等）的行。",
        )
    ]


def test_several_lines_need_their_amounts(client, plan, users, equipped):
    login(client, users.gaizhou)
    rows = [list(cells) for cells in read_xlsx(template(client, plan))]
    second = [number for number, cells in enumerate(rows) if cells[0] == "GZ-2023-02"][1]
    rows[second][-1] = None
    errors = (
        client.post(url_of(plan), {"file": xlsx_upload(rows[0], rows[1:])}).context["result"].errors
    )
    assert [(error.row, error.column, error.message) for error in errors] == [
        (second + 1, "设备金额（万元）", "项目GZ-2023-02有多条设备明细：请填写每条明细的设备金额。")
    ]


def test_a_save_between_preview_and_confirmation_refuses_the_confirmation(
    client, plan, users, equipped
):
    login(client, users.gaizhou)
    rows = [list(cells) for cells in read_xlsx(template(client, plan))]
    first = [number for number, cells in enumerate(rows) if cells[0] == "GZ-2023-02"][0]
    rows[first][1] = "计算机教室设备购置"
    response = client.post(url_of(plan), {"file": xlsx_upload(rows[0], rows[1:])})
    batch = response.context["batch"]
    # A colleague changes another project of the plan meanwhile.
    dormitory = plan.items.get(code="GZ-2022-01")
    dormitory.planned_area = Decimal("1100.00")
    services.plan_item_save(item=dormitory, acting_user=users.gaizhou)
    response = client.post(url_of(plan), {"batch": batch.pk})
    assert response.status_code == 200
    assert "预览之后数据已有变动（其间有人保存过）。未写入任何内容" in response.content.decode()
    equipped.refresh_from_db()
    assert equipped.name == "计算机教室建设"
    batch.refresh_from_db()
    assert batch.applied_at is None
    # Uploaded again, the file is checked against the current figures: the preview now shows
    # that it would put back the dormitory's former area.
    response = client.post(url_of(plan), {"file": xlsx_upload(rows[0], rows[1:])})
    changes = [change for _number, change in response.context["result"].changes]
    assert changes == [
        "修改 GZ-2022-01 学生宿舍新建工程：建筑面积(m²) 1,100.00 → 1,200.00",
        "修改 GZ-2023-02 计算机教室建设：项目名称 计算机教室建设 → 计算机教室设备购置",
    ]
    assert PlanItem.objects.get(pk=dormitory.pk).planned_area == Decimal("1100.00")


def test_a_bad_further_line_is_reported_on_its_own_row(client, plan, users, equipped):
    login(client, users.gaizhou)
    rows = [list(cells) for cells in read_xlsx(template(client, plan))]
    third = [number for number, cells in enumerate(rows) if cells[0] == "GZ-2023-02"][2]
    rows[third][-3] = "台"  # desks are counted in sets
    response = client.post(url_of(plan), {"file": xlsx_upload(rows[0], rows[1:])})
    errors = response.context["result"].errors
    assert [error.row for error in errors] == [third + 1]
    assert errors[0].message.startswith("计量单位与统计类别不符")
    assert response.context["batch"] is None
