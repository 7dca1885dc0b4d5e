"""Uploads: every .xlsx import is checked by its content, its size and what it would unpack
to before it is parsed, and its XML is parsed safely; a refused file writes nothing."""

import datetime
import os
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from funding.imports import TRANCHES
from funding.models import Allocation
from gaibo import imports
from gaibo.models import ImportBatch
from tests.factories import PASSWORD
from tests.spreadsheets import xlsx_bytes

pytestmark = pytest.mark.django_db

NOT_XLSX = "这不是 .xlsx 文件"


def headers():
    with translation.override("zh-hans"):
        return TRANCHES.headers()


def good_workbook() -> bytes:
    row = ["省级", "辽财教〔2022〕10号", datetime.date(2022, 3, 1), 2022, "营口市", 500, "", ""]
    return xlsx_bytes(headers(), [row])


def repacked(content: bytes, *, extra=(), replace=None) -> bytes:
    """The same workbook with extra entries and some parts rewritten."""
    replace = replace or {}
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in replace:
                data = replace[info.filename](data.decode()).encode()
            target.writestr(info, data)
        for name, data in extra:
            target.writestr(name, data)
    return out.getvalue()


def billion_laughs(xml: str) -> str:
    """The part with a nested entity declaration (10⁹ "lol") used in its first row."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    body = xml[xml.index("?>") + 2 :] if xml.startswith("<?xml") else xml
    body = body.replace(
        "<sheetData>",
        '<sheetData><row r="99"><c r="A99" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
        1,
    )
    return f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>' + body


@pytest.fixture
def province(client, users):
    assert client.login(username=users.province.username, password=PASSWORD)
    return client


def post(client, content, name="资金下达.xlsx"):
    response = client.post(
        reverse("funding:allocation_import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    return response


def refusal(response) -> str:
    if response.context.get("result") is None:
        return " ".join(response.context["form"].errors["file"])
    return " ".join(error.message for error in response.context["result"].errors)


def test_a_good_workbook_is_previewed(province):
    response = post(province, good_workbook())
    assert response.context["result"].ok and response.context["batch"] is not None


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"project,amount\n=1+1,500\n", "资金下达.xlsx"),  # a .csv renamed
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "资金下达.xlsx"),  # an .exe
        (b"%PDF-1.7\n", "资金下达.xlsx"),
    ],
)
def test_a_renamed_file_is_refused_by_its_content(province, content, name):
    response = post(province, content, name)
    assert NOT_XLSX in refusal(response)
    assert Allocation.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_a_word_document_renamed_xlsx_is_refused(province):
    docx = BytesIO()
    with zipfile.ZipFile(docx, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
    assert NOT_XLSX in refusal(post(province, docx.getvalue()))


def test_only_xlsx_names_are_accepted(province):
    assert "只能导入 .xlsx 文件" in refusal(post(province, good_workbook(), "资金下达.xls"))


def test_a_file_over_the_size_limit_is_refused(province, settings, users):
    settings.GAIBO_IMPORT_MAX_BYTES = 1024 * 1024
    content = repacked(good_workbook(), extra=[("xl/media/noise.bin", os.urandom(1024 * 1024))])
    assert len(content) > 1024 * 1024
    assert refusal(post(province, content)) == "文件超过 1 MB。"
    # The same rule holds for a file that reaches the import some other way.
    with translation.override("zh-hans"):
        result = imports.run_import(content, TRANCHES, user=users.province, dry_run=True)
    assert [error.message for error in result.errors] == ["文件超过 1 MB。"]
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize(
    ("setting", "extra"),
    [
        # 2 MB of zeros packs into a few KB: declared unpacked size above the 1 MB limit.
        ("GAIBO_IMPORT_MAX_UNPACKED_BYTES", [("xl/media/zeros.bin", b"\x00" * 2 * 1024 * 1024)]),
        ("GAIBO_IMPORT_MAX_ENTRIES", [(f"xl/media/{n}.bin", b"") for n in range(60)]),
    ],
)
def test_a_zip_bomb_is_refused_before_it_is_parsed(province, settings, monkeypatch, setting, extra):
    settings.GAIBO_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    settings.GAIBO_IMPORT_MAX_ENTRIES = 50
    content = repacked(good_workbook(), extra=extra)
    assert len(content) < 64 * 1024

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(imports, "load_workbook", never)
    response = post(province, content)
    assert "解压后" in refusal(response) and "未读取即被拒绝" in refusal(response)
    assert Allocation.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_an_xml_entity_bomb_is_refused_cleanly(province):
    content = repacked(good_workbook(), replace={"xl/worksheets/sheet1.xml": billion_laughs})
    response = post(province, content)
    assert "实体声明" in refusal(response)
    assert Allocation.objects.count() == 0 and ImportBatch.objects.count() == 0


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "[Content_Types].xml", "xl/styles.xml", "docProps/core.xml"]
)
def test_entities_in_other_parts_are_never_expanded(part, users):
    """Parts openpyxl reads with lxml: entities are not resolved (or libxml2 stops the
    amplification); either the file is refused or it reads without expanding anything."""

    def with_entities(xml: str) -> str:
        entities = '<!ENTITY lol0 "lol">' + "".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
        )
        body = xml[xml.index("?>") + 2 :] if xml.startswith("<?xml") else xml
        root = body[1 : body.index(" ")] if " " in body[:80] else "x"
        return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]>' + body

    content = repacked(good_workbook(), replace={part: with_entities})
    with translation.override("zh-hans"):
        result = imports.run_import(content, TRANCHES, user=users.province, dry_run=True)
    assert result.ok or [error.row for error in result.errors] == [None]
    assert Allocation.objects.count() == 0
    for _number, change in result.changes:
        assert "lol" not in change
