"""The report pages: entry, sign-off buttons, Excel round trip, export, tracker."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gaibo.choices import Role
from reports import services
from reports.choices import ReportState
from reports.models import ReportLine
from tests.factories import PASSWORD, ProjectFactory, UserFactory
from tests.reports.conftest import fill, line_of
from tests.spreadsheets import read_xlsx, xlsx_upload

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def entry_data(report, changes=None):
    """The entry form as the page posts it, with `changes` {project: {field: value}}."""
    changes = changes or {}
    lines = list(ReportLine.objects.filter(report=report).order_by("project__code"))
    data = {
        "form-TOTAL_FORMS": len(lines),
        "form-INITIAL_FORMS": len(lines),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }
    for index, line in enumerate(lines):
        values = {
            "id": line.pk,
            "loaded_version": line.version,
            "started_on": line.started_on or "",
            "completed_on": line.completed_on or "",
            "started_area": line.started_area if line.started_area is not None else "",
            "completed_area": line.completed_area if line.completed_area is not None else "",
            "investment_month": line.investment_month / 10000,
            "progress": line.progress,
            "remark": line.remark,
        }
        values.update(changes.get(line.project_id, {}))
        for name, value in values.items():
            data[f"form-{index}-{name}"] = value
    return data


def test_entry_saves_changed_rows_and_keeps_what_was_typed_in_a_refused_row(
    client, may, county, users
):
    login(client, users.gaizhou)
    url = reverse("reports:report_entry", args=[may.pk])
    data = entry_data(
        may,
        {
            county.building.pk: {
                "started_on": "2024-05-06",
                "started_area": "1200",
                "investment_month": "80",
                "progress": "30",
            },
            county.equipment.pk: {"progress": "100"},  # no delivery date: refused
        },
    )
    response = client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "已保存 1 行；1 行未保存" in page
    assert "形象进度为100%的项目应填写竣工日期。" in page
    assert 'name="form-0-progress" value="100"' in page  # what was typed is still there
    building = line_of(may, county.building)
    assert building.progress == 30 and building.investment_to_date == Decimal("800000")
    assert line_of(may, county.equipment).progress == 0


def test_a_stale_page_does_not_overwrite_a_colleagues_save(client, may, county, users):
    login(client, users.gaizhou)
    url = reverse("reports:report_entry", args=[may.pk])
    stale = entry_data(may, {county.building.pk: {"progress": "10"}})
    fill(may, county.building, users.gaizhou, progress=20)  # someone saves first
    response = client.post(url, stale)
    assert "您打开页面后" in response.content.decode()
    assert line_of(may, county.building).progress == 20


def test_entry_page_query_count_does_not_grow_with_projects(
    client, may, county, users, tree, clock
):
    def queries_of(report):
        url = reverse("reports:report_entry", args=[report.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    login(client, users.gaizhou)
    june = services.report_open(
        county=tree.gaizhou, year=2024, month=6, half=0, acting_user=users.gaizhou
    )
    few = queries_of(june)
    for _ in range(20):
        ProjectFactory(school=tree.schools["210881"], plan_year=2024)
    clock.set(datetime.date(2024, 7, 2))
    july = services.report_open(
        county=tree.gaizhou, year=2024, month=7, half=0, acting_user=users.gaizhou
    )
    assert july.lines.count() == 22
    assert queries_of(july) == few


def test_sign_off_buttons_walk_the_report_to_approved(client, may, county, users):
    def act(user, action, **data):
        login(client, user)
        return client.post(reverse("reports:report_action", args=[may.pk, action]), data)

    act(users.gaizhou, "submit")
    act(users.gaizhou_finance, "confirm")
    response = act(users.city, "return", reason="")
    may.refresh_from_db()
    assert may.state == ReportState.CONFIRMED
    act(users.city, "return", reason="进度与督导不符")
    act(users.gaizhou, "submit")
    act(users.gaizhou_finance, "confirm")
    response = act(users.city, "approve")
    may.refresh_from_db()
    assert may.state == ReportState.APPROVED and response.status_code == 302

    login(client, users.gaizhou)
    page = client.get(reverse("reports:report_entry", args=[may.pk])).content.decode()
    assert 'name="form-0-progress"' not in page  # locked: figures only
    assert "进度与督导不符" in page
    assert client.post(reverse("reports:report_entry", args=[may.pk]), {}).status_code == 403


def test_another_countys_report_is_404(client, may, users):
    login(client, users.dashiqiao)
    for name in ("report_entry", "report_import", "report_export"):
        assert client.get(reverse(f"reports:{name}", args=[may.pk])).status_code == 404
    response = client.post(reverse("reports:report_action", args=[may.pk, "submit"]))
    assert response.status_code == 404


HEADERS = [
    "项目编号",
    "项目名称",
    "开工(合同)日期",
    "竣工(到货)日期",
    "开工面积(m²)",
    "竣工面积(m²)",
    "本月完成投资(万元)",
    "形象进度(%)",
    "备注",
]
TEMPLATE_HEADERS = [*HEADERS, "版本（请勿修改）"]  # the line's version, checked on upload


def test_excel_round_trip(client, may, county, users):
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = read_xlsx(client.get(url + "?template=1").content)
    assert list(rows[0]) == TEMPLATE_HEADERS
    assert [row[0] for row in rows[1:]] == ["EQ-1", county.building.code]

    filled = [list(row) for row in rows[1:]]
    filled[1][2:8] = [datetime.date(2024, 5, 6), None, 1200, 0, 80, 30]
    response = client.post(url, {"file": xlsx_upload(TEMPLATE_HEADERS, filled)})
    result = response.context["result"]
    assert result.ok, result.errors
    [(number, change)] = result.changes  # the unchanged equipment row writes nothing
    assert number == 3
    assert "形象进度(%) 0 → 30" in change and "本月完成投资(万元) 0.00 → 80.00" in change
    assert line_of(may, county.building).progress == 0  # only a preview

    client.post(url, {"batch": response.context["batch"].pk})
    line = line_of(may, county.building)
    assert (line.progress, line.started_area, line.investment_to_date) == (
        30,
        Decimal("1200"),
        Decimal("800000"),
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda rows: rows[1].__setitem__(0, "P-NOPE"), "项目 P-NOPE 不在盖州市的本期报表中。"),
        (lambda rows: rows[1].__setitem__(7, "三十"), "输入整数。"),
        (lambda rows: rows[1].__setitem__(7, "=10+20"), "单元格中是公式，请直接填写数值。"),
        (lambda rows: rows[1].__setitem__(7, 100), "形象进度为100%的项目应填写竣工日期。"),
        (
            lambda rows: rows[1].__setitem__(9, "第3版"),
            "请保留模板中的版本，不要修改（它用于判断下载后哪些数据有变动）。",
        ),
    ],
)
def test_bad_rows_refuse_the_whole_upload(client, may, county, users, change, expected):
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = [list(row) for row in read_xlsx(client.get(url + "?template=1").content)]
    rows[2][7] = 20  # a good row, which must not be written either
    change(rows)
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    assert expected in [error.message for error in response.context["result"].errors]
    assert line_of(may, county.building).progress == 0


def test_another_countys_project_in_the_file_is_refused(client, may, users, tree):
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    other = tree.projects["210882"]
    row = [other.code, other.name, None, None, 0, 0, 0, 10, ""]
    response = client.post(url, {"file": xlsx_upload(HEADERS, [row])})
    [error] = response.context["result"].errors
    assert error.message == f"项目 {other.code} 不在盖州市的本期报表中。"


def test_a_locked_month_refuses_uploads(client, may, users):
    services.report_submit(report=may, acting_user=users.gaizhou)
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    response = client.post(url, {"file": xlsx_upload(HEADERS, [])})
    assert response.status_code == 302
    response = client.get(reverse("reports:report_entry", args=[may.pk]))
    assert "该报表当前不可填报" in response.content.decode()


def test_approved_month_exports_the_official_table_with_subtotals(client, may, county, users):
    fill(
        may,
        county.building,
        users.gaizhou,
        started_on=datetime.date(2024, 5, 6),
        started_area=Decimal("1200"),
        investment_month=Decimal("800000"),
        progress=30,
    )
    services.report_submit(report=may, acting_user=users.gaizhou)
    services.report_confirm(report=may, acting_user=users.gaizhou_finance)
    services.report_approve(report=may, acting_user=users.city)
    login(client, users.city)
    response = client.get(reverse("reports:period_export"), {"year": 2024, "month": 5, "half": 0})
    rows = read_xlsx(response.content)
    assert rows[0][0] == "县(区)" and rows[0][12] == "本月完成投资(万元)"
    assert [row[0] for row in rows[1:]] == ["盖州市", "盖州市", "盖州市小计", "合计"]
    assert rows[-1][10] == 1200 and rows[-1][12] == 80


def test_tracker_page_shows_missing_counties_and_grants_exceptions(client, may, users, tree):
    login(client, users.city)
    url = reverse("reports:tracker") + "?year=2024&month=5&half=0"
    page = client.get(url).content.decode()
    assert "尚未上报：" in page and "大石桥市" in page
    response = client.post(
        url,
        {
            "exception-county": tree.dashiqiao.pk,
            "exception-year": 2024,
            "exception-month": 5,
            "exception-half": 0,
            "exception-until": "2024-06-12",
            "exception-reason": "系统维护",
        },
    )
    assert response.status_code == 302
    login(client, users.gaizhou)
    page = client.get(url).content.decode()
    assert "批准延期" not in page and "大石桥市" not in page  # a county sees its own row only


def test_an_unchanged_file_writes_nothing(client, may, users):
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = read_xlsx(client.get(url + "?template=1").content)
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    assert response.context["batch"] is None
    assert "没有需要写入的内容" in response.content.decode()


def test_a_save_between_preview_and_confirmation_is_not_overwritten(client, may, county, users):
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = [list(row) for row in read_xlsx(client.get(url + "?template=1").content)]
    rows[2][7] = 25
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    batch = response.context["batch"]
    fill(may, county.equipment, users.gaizhou, progress=10)  # a colleague saves meanwhile
    response = client.post(url, {"batch": batch.pk})
    assert "预览之后数据已有变动" in response.content.decode()
    assert line_of(may, county.building).progress == 0
    assert line_of(may, county.equipment).progress == 10


def test_a_row_a_colleague_saved_after_the_download_is_not_written_over(client, may, county, users):
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = [list(row) for row in read_xlsx(client.get(url + "?template=1").content)]
    fill(may, county.equipment, users.gaizhou, progress=10, remark="同事")  # after the download
    rows[2][7] = 25  # the building: this user's own change
    rows[1][7] = 20  # the equipment: it would undo the colleague's 10 %
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    [error] = response.context["result"].errors
    assert error.row == 2
    assert "晚于模板下载时间" in error.message and "请重新下载模板" in error.message
    assert response.context["batch"] is None
    assert line_of(may, county.building).progress == 0

    rows[1][7] = 0  # the equipment row as downloaded: the colleague's figures stand
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    assert response.context["result"].errors == []
    [(_number, change)] = response.context["result"].changes
    assert county.building.code in change
    client.post(url, {"batch": response.context["batch"].pk})
    assert line_of(may, county.building).progress == 25
    equipment = line_of(may, county.equipment)
    assert (equipment.progress, equipment.remark) == (10, "同事")


def test_copies_of_one_download_filled_by_colleagues_each_write_their_own_rows(
    client, may, county, users, tree
):
    """One person downloads the sheet and sends copies: each upload writes the rows its file
    changed, and a copy that changes a figure another colleague's copy changed is refused."""
    url = reverse("reports:report_import", args=[may.pk])
    colleague = login(
        Client(),
        UserFactory(username="gaizhou_2", role=Role.COUNTY_EDUCATION, district=tree.gaizhou),
    )
    login(client, users.gaizhou)
    mine = [list(row) for row in read_xlsx(client.get(url + "?template=1").content)]
    theirs = [list(row) for row in mine]
    theirs[1][7] = 10  # the colleague: the equipment
    response = colleague.post(url, {"file": xlsx_upload(theirs[0], theirs[1:])})
    colleague.post(url, {"batch": response.context["batch"].pk})

    mine[2][7] = 25  # me: the building; the equipment row as downloaded
    response = client.post(url, {"file": xlsx_upload(mine[0], mine[1:])})
    assert response.context["result"].errors == []
    client.post(url, {"batch": response.context["batch"].pk})
    assert line_of(may, county.equipment).progress == 10
    assert line_of(may, county.building).progress == 25

    theirs[2][7] = 30  # the colleague's copy changes the building too: it would undo my 25
    response = colleague.post(url, {"file": xlsx_upload(theirs[0], theirs[1:])})
    [error] = response.context["result"].errors
    assert error.row == 3 and error.message.startswith("gaizhou于")
    assert line_of(may, county.building).progress == 25


def test_a_template_without_the_download_code_counts_every_save_since(client, may, county, users):
    """A template of before the code (the version alone): the uploader's own save on the entry
    page since the download is not taken for an earlier upload of the file."""
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = [list(row) for row in read_xlsx(client.get(url + "?template=1").content)]
    for row in rows[1:]:
        row[9] = int(row[9].split("-")[0])
    fill(may, county.building, users.gaizhou, progress=15)
    rows[2][7] = 20
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    assert [error.row for error in response.context["result"].errors] == [3]
    assert line_of(may, county.building).progress == 15


def test_a_save_dated_before_the_download_by_another_servers_clock_still_counts(
    client, may, county, users
):
    """Changes since the download are found by version, not by the servers' clocks."""
    fill(may, county.building, users.gaizhou, progress=5)  # version 2
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = [list(row) for row in read_xlsx(client.get(url + "?template=1").content)]
    line = line_of(may, county.building)
    line.progress = 30
    line._history_date = line.history.get(version=2).history_date - datetime.timedelta(seconds=2)
    services.report_line_save(line=line, acting_user=users.gaizhou)  # version 3, dated earlier
    rows[2][7] = 20
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    assert [error.row for error in response.context["result"].errors] == [3]
    assert line_of(may, county.building).progress == 30


def test_the_same_file_corrected_and_uploaded_again_is_taken(client, may, county, users, tree):
    """An upload of a download does not make that download stale: the file corrected after its
    import goes in. Another download's upload is somebody else's change, and the refusal names
    who made it (not whoever saved the line last)."""
    url = reverse("reports:report_import", args=[may.pk])
    colleague = login(
        Client(),
        UserFactory(username="gaizhou_2", role=Role.COUNTY_EDUCATION, district=tree.gaizhou),
    )
    login(client, users.gaizhou)

    def download(by):
        return [list(row) for row in read_xlsx(by.get(url + "?template=1").content)]

    def upload(by, rows):
        response = by.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
        errors = response.context["result"].errors
        if not errors:
            by.post(url, {"batch": response.context["batch"].pk})
        return errors

    rows = download(client)
    assert re.fullmatch(r"1-[0-9a-f]{8}", rows[2][9])  # the line's version and the download
    rows[2][7] = 25
    assert upload(client, rows) == []
    rows[2][7] = 35  # a mistake seen after the import, corrected in the same file
    assert upload(client, rows) == []
    assert line_of(may, county.building).progress == 35
    rows[2][7] = 0  # and back to the figure as downloaded
    assert upload(client, rows) == []
    assert line_of(may, county.building).progress == 0
    rows[2][7] = 35
    assert upload(client, rows) == []

    other = download(colleague)
    assert other[2][9][-8:] != rows[2][9][-8:]
    other[2][7] = 40
    assert upload(colleague, other) == []
    assert line_of(may, county.building).history.first().history_change_reason == (
        f"Excel #{other[2][9][-8:]}"
    )
    # Submitted, confirmed (the finance bureau saves every line) and returned.
    services.report_submit(report=may, acting_user=users.gaizhou)
    services.report_confirm(report=may, acting_user=users.gaizhou_finance)
    services.report_return(report=may, acting_user=users.city, reason="请核实进度")
    rows[2][7] = 45  # the first file again: it would undo the colleague's 40
    [error] = upload(client, rows)
    assert error.row == 3 and "晚于模板下载时间" in error.message
    assert error.message.startswith("gaizhou_2于")
    assert line_of(may, county.building).progress == 40


def test_a_report_returned_after_the_finance_confirmation_takes_the_file_it_had(
    client, may, county, users
):
    """The confirmation saves every line (its funds), changing none of the file's figures: the
    county corrects the returned report in the file it downloaded before submitting."""
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = [list(row) for row in read_xlsx(client.get(url + "?template=1").content)]
    services.report_submit(report=may, acting_user=users.gaizhou)
    services.report_confirm(report=may, acting_user=users.gaizhou_finance)
    services.report_return(report=may, acting_user=users.city, reason="请核实进度")
    rows[2][7] = 25
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    assert response.context["result"].errors == []
    client.post(url, {"batch": response.context["batch"].pk})
    assert line_of(may, county.building).progress == 25


def test_a_project_given_twice_refuses_the_file_naming_both_rows(client, may, county, users):
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = [list(row) for row in read_xlsx(client.get(url + "?template=1").content)]
    rows[2][7] = 25
    rows.append([*rows[2][:7], 30, *rows[2][8:]])
    response = client.post(url, {"file": xlsx_upload(rows[0], rows[1:])})
    [error] = response.context["result"].errors
    assert (error.row, error.column) == (4, "项目编号")
    assert error.message == f"项目 {county.building.code} 已在第 3 行：每个项目只填一行。"
    assert line_of(may, county.building).progress == 0


def test_a_template_of_before_the_version_column_still_imports(client, may, county, users):
    login(client, users.gaizhou)
    url = reverse("reports:report_import", args=[may.pk])
    rows = [list(row)[:9] for row in read_xlsx(client.get(url + "?template=1").content)]
    rows[2][7] = 25
    response = client.post(url, {"file": xlsx_upload(HEADERS, rows[1:])})
    assert response.context["result"].errors == []
    client.post(url, {"batch": response.context["batch"].pk})
    assert line_of(may, county.building).progress == 25


def test_exports_keep_formula_like_names_as_text_and_round_trip_remarks(client, may, county, users):
    """A project named like a formula is exported as text; a remark that starts with "-"
    comes back from the Excel template unchanged (so re-importing it changes nothing)."""
    county.building.name = '=HYPERLINK("http://evil.example","点此")'
    county.building.save()
    fill(may, county.building, users.gaizhou, remark="-待开工")
    login(client, users.gaizhou)
    response = client.get(reverse("reports:report_export", args=[may.pk]))
    rows = read_xlsx(response.content)
    [building] = [row for row in rows if row[1] == county.building.code]
    assert building[3] == '=HYPERLINK("http://evil.example","点此")'
    assert building[6] == 360 and building[-1] == "-待开工"  # 万元, a number

    url = reverse("reports:report_import", args=[may.pk])
    template = client.get(url + "?template=1").content
    assert [row[8] for row in read_xlsx(template) if row[0] == county.building.code] == ["-待开工"]
    response = client.post(url, {"file": SimpleUploadedFile("月报.xlsx", template)})
    assert response.context["result"].errors == []
    assert "没有需要写入的内容" in response.content.decode()
