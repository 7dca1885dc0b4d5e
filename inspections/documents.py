"""The supervision opinion letter (督导意见书) as a Word document the team can edit and sign.

Built with python-docx from what the reader sees of a visit: its team, its targets, the
checklist results, the summary and opinion, the findings with their deadlines, and blank lines
for the signatures.
"""

from io import BytesIO

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from inspections.choices import CheckOutcome

# Song typeface for Chinese text, as official documents use; Word falls back when missing.
EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"
SIGNATURE_LINE = "________________"
DATE_LINE = "____年____月____日"


def opinion_letter(*, visit, targets, team, results, findings) -> bytes:
    """The letter of one visit as .docx bytes."""
    document = Document()
    _page_and_fonts(document)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_("Supervision opinion letter"))
    run.bold = True
    run.font.size = Pt(20)
    subtitle = document.add_paragraph(f"{visit.get_kind_display()} · {visit.visited_on:%Y-%m-%d}")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER

    _heading(document, _("Supervised"))
    _fact(document, _("Counties"), "、".join(str(county) for county in targets["counties"]))
    if targets["schools"]:
        _fact(document, _("Schools"), "、".join(str(school) for school in targets["schools"]))
    if targets["projects"]:
        _fact(document, _("Projects"), "、".join(str(project) for project in targets["projects"]))

    _heading(document, _("Supervision team"))
    _table(
        document,
        [_("Team member"), _("Their unit"), _("Team leader")],
        [
            [member.name, member.get_unit_display(), "✓" if member.is_leader else ""]
            for member in team
        ],
    )

    _heading(document, _("Visit summary"))
    _text(document, visit.summary)

    _heading(document, _("Checklist"))
    _table(
        document,
        [_("Checklist area"), _("Checklist item"), _("Outcome"), _("Note")],
        [
            [
                result.get_area_display(),
                result.text,
                "" if result.outcome == CheckOutcome.UNCHECKED else result.get_outcome_display(),
                result.note,
            ]
            for result in results
        ],
    )

    _heading(document, _("Problems found and rectification required"))
    if findings:
        _table(
            document,
            [
                _("No."),
                _("Problem found"),
                _("Rectification required"),
                _("Severity"),
                _("Responsible unit"),
                _("Rectification deadline"),
            ],
            [
                [
                    str(number),
                    _place_of(finding) + finding.description,
                    finding.requirement,
                    finding.get_severity_display(),
                    finding.responsible_unit,
                    f"{finding.deadline:%Y-%m-%d}",
                ]
                for number, finding in enumerate(findings, start=1)
            ],
        )
        document.add_paragraph(
            _(
                "The responsible units rectify the problems by their deadlines and send the "
                "evidence of the rectification to the supervision team."
            )
        )
    else:
        _text(document, _("No problems were found."))

    _heading(document, _("Opinion"))
    _text(document, visit.opinion, blank_lines=4)

    _heading(document, _("Signatures"))
    for label in (
        _("Team leader (signature)"),
        _("Team members (signature)"),
        _("Head of the supervised unit (signature)"),
    ):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(12)
        paragraph.add_run(f"{label}: {SIGNATURE_LINE}    {_('Date')}: {DATE_LINE}")

    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _place_of(finding) -> str:
    place = finding.project or finding.school
    return f"[{finding.responsible_county}{' · ' + str(place) if place else ''}] "


def _page_and_fonts(document) -> None:
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.2)
    for style_name in ("Normal", "Heading 2", "Table Grid"):
        style = document.styles[style_name]
        style.font.name = LATIN_FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    document.styles["Normal"].font.size = Pt(11)


def _heading(document, text: str) -> None:
    document.add_heading(text, level=2)


def _fact(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def _text(document, text: str, blank_lines: int = 1) -> None:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    for line in lines or [""] * blank_lines:
        document.add_paragraph(line)


def _table(document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text or ""
