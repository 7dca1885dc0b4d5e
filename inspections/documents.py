"""The supervision opinion letter (督导意见书) as a Word document the team can edit and sign.

Built with python-docx from what the reader sees of a visit: its team, its targets, the
checklist results, the summary and opinion, the findings with their deadlines, and blank lines
for the signatures.
"""

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from gaibo.documents import as_bytes, fact, heading, new_document, table, text
from inspections.choices import CheckOutcome

SIGNATURE_LINE = "________________"
DATE_LINE = "____年____月____日"


def opinion_letter(*, visit, targets, team, results, findings) -> bytes:
    """The letter of one visit as .docx bytes."""
    document = new_document()

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_("Supervision opinion letter"))
    run.bold = True
    run.font.size = Pt(20)
    subtitle = document.add_paragraph(f"{visit.get_kind_display()} · {visit.visited_on:%Y-%m-%d}")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER

    heading(document, _("Supervised"))
    fact(document, _("Counties"), "、".join(str(county) for county in targets["counties"]))
    if targets["schools"]:
        fact(document, _("Schools"), "、".join(str(school) for school in targets["schools"]))
    if targets["projects"]:
        fact(document, _("Projects"), "、".join(str(project) for project in targets["projects"]))

    heading(document, _("Supervision team"))
    table(
        document,
        [_("Team member"), _("Their unit"), _("Team leader")],
        [
            [member.name, member.get_unit_display(), "✓" if member.is_leader else ""]
            for member in team
        ],
    )

    heading(document, _("Visit summary"))
    text(document, visit.summary)

    heading(document, _("Checklist"))
    table(
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

    heading(document, _("Problems found and rectification required"))
    if findings:
        table(
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
        text(document, _("No problems were found."))

    heading(document, _("Opinion"))
    text(document, visit.opinion, blank_lines=4)

    heading(document, _("Signatures"))
    for label in (
        _("Team leader (signature)"),
        _("Team members (signature)"),
        _("Head of the supervised unit (signature)"),
    ):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(12)
        paragraph.add_run(f"{label}: {SIGNATURE_LINE}    {_('Date')}: {DATE_LINE}")

    return as_bytes(document)


def _place_of(finding) -> str:
    place = finding.project or finding.school
    return f"[{finding.responsible_county}{' · ' + str(place) if place else ''}] "
