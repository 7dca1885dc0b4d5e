"""The monthly bulletin (月通报) of a district as a Word document the city edits and sends: the
headline figures as sentences, the ranking table of the districts below, the laggards named,
the reports missing or late, and the alerts."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from dashboard.columns import COLUMNS, RANKING_COLUMNS
from dashboard.selectors import RATES
from gaibo.documents import as_bytes, heading, new_document, table
from gaibo.templatetags.gaibo import area, percent, wan
from projects.choices import Programme

PROGRAMME_SHORT = {
    Programme.COMPREHENSIVE: gettext_lazy("comprehensive improvement"),
    Programme.CAPACITY: gettext_lazy("capacity improvement"),
}


def bulletin(dashboard) -> bytes:
    """The bulletin of a dashboard's district and month as .docx bytes."""
    figures = dashboard.headline
    district = dashboard.node
    month_text = _("%(year)s-%(month)02d") % {"year": dashboard.year, "month": dashboard.month}
    programme = str(PROGRAMME_SHORT[dashboard.programme])
    document = new_document()

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(
        _("Progress bulletin of the %(programme)s works of %(district)s")
        % {"programme": programme, "district": district.name}
    )
    run.bold = True
    run.font.size = Pt(18)
    subtitle = document.add_paragraph(
        _("%(month)s · the figures of the approved monthly reports") % {"month": month_text}
        if not dashboard.pending
        else _("%(month)s · including monthly reports not yet approved") % {"month": month_text}
    )
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER

    heading(document, _("Overall progress"))
    sentences = [
        _(
            "By the end of %(month)s, the %(programme)s plan of %(district)s holds %(projects)s "
            "projects at %(schools)s schools, with a planned investment of %(amount)s (10,000 "
            "yuan): %(construction)s construction projects with %(area)s m² of floor area, "
            "%(equipment)s equipment projects and %(it)s IT projects."
        )
        % {
            "month": month_text,
            "programme": programme,
            "district": district.name,
            "projects": figures.projects,
            "schools": figures.schools,
            "amount": wan(figures.funds.planned),
            "construction": figures.construction_projects,
            "area": area(figures.planned_area),
            "equipment": figures.equipment_projects,
            "it": figures.it_projects,
        },
        _(
            "Floor area started: %(started)s m², a start rate of %(start_rate)s; completed: "
            "%(completed)s m², a completion rate of %(completion_rate)s."
        )
        % {
            "started": area(figures.progress.started_area),
            "start_rate": percent(figures.start_rate),
            "completed": area(figures.progress.completed_area),
            "completion_rate": percent(figures.completion_rate),
        },
        _(
            "Equipment purchased: %(purchased)s of %(planned)s (10,000 yuan) planned, an "
            "equipment purchase rate of %(rate)s."
        )
        % {
            "purchased": wan(figures.progress.equipment_investment),
            "planned": wan(figures.planned_equipment),
            "rate": percent(figures.equipment_rate),
        },
        _(
            "Funds: %(arrived)s (10,000 yuan) arrived of %(planned)s planned, an arrival rate "
            "of %(arrival_rate)s; %(paid)s paid, a payment rate of %(payment_rate)s."
        )
        % {
            "arrived": wan(figures.funds.arrived),
            "planned": wan(figures.funds.planned),
            "arrival_rate": percent(figures.arrival_rate),
            "paid": wan(figures.funds.paid),
            "payment_rate": percent(figures.payment_rate),
        },
    ]
    for sentence in sentences:
        document.add_paragraph(sentence)

    reports = _report_sentence(dashboard)
    if reports:
        heading(document, _("Monthly reports"))
        document.add_paragraph(reports)

    if dashboard.children:
        rank_label = str(RATES[dashboard.rank_by])
        heading(document, _("Ranking by %(rate)s") % {"rate": rank_label})
        columns = [COLUMNS[dashboard.rank_by]] + [
            column for column in RANKING_COLUMNS if column.key != dashboard.rank_by
        ]
        table(
            document,
            [_("Rank"), _("Name"), *(str(column.label) for column in columns)],
            [
                [str(child.rank or "—"), child.label, *(column.text(child) for column in columns)]
                for child in dashboard.children
            ],
        )
        if dashboard.laggards:
            document.add_paragraph(
                _(
                    "Ranked last by %(rate)s: %(names)s. They are asked to speed up their works "
                    "and the use of their funds."
                )
                % {"rate": rank_label, "names": "、".join(c.label for c in dashboard.laggards)}
            )

    if dashboard.alerts:
        heading(document, _("Alerts"))
        table(
            document,
            [_("Alert"), _("Where"), _("Count")],
            [[str(alert.kind), alert.subject, str(alert.count)] for alert in dashboard.alerts],
        )

    document.add_paragraph()
    signature = document.add_paragraph(
        _("%(district)s education bureau") % {"district": district.name}
    )
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    day = document.add_paragraph(date_format(timezone.localdate(), "Y-m-d"))
    day.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return as_bytes(document)


def _report_sentence(dashboard) -> str:
    counties = list(dashboard.reports.values())
    expected = dashboard.headline.counties
    if not expected:
        return ""
    submitted = [r for r in counties if r.first_submitted_at is not None]
    late = [r for r in submitted if r.is_late]
    missing = expected - len(submitted)
    sentence = _(
        "%(submitted)s of %(expected)s counties have submitted this month's report, "
        "%(late)s of them late."
    ) % {"submitted": len(submitted), "expected": expected, "late": len(late)}
    missing_names = [
        alert.subject for alert in dashboard.alerts if alert.kind == _("Report missing")
    ]
    if missing and missing_names:
        sentence += " " + _("Not yet submitted: %(names)s.") % {"names": "、".join(missing_names)}
    return sentence
