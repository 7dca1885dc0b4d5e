"""The dashboard's tables as .xlsx sheets (title, headers, rows), money in 万元."""

from django.utils.translation import gettext as _

from dashboard.columns import FIGURE_COLUMNS, QUANTITY_CATEGORIES
from dashboard.selectors import RATES
from gaibo.money import yuan_to_wan
from projects.choices import EquipmentCategory, Unit


def _figure_rows(figures_list):
    return [
        [figures.label, figures.code, *(column.sheet_value(figures) for column in FIGURE_COLUMNS)]
        for figures in figures_list
    ]


def _figure_headers(first):
    return [first, _("Code"), *(column.label for column in FIGURE_COLUMNS)]


def _quantity_headers():
    return [_("Name"), _("Code"), _("Reporting category"), _("Unit"), _("Planned"), _("Delivered")]


def _quantity_rows(figures_list):
    rows = []
    for figures in figures_list:
        for category in QUANTITY_CATEGORIES:
            planned = figures.planned_quantities.get(category, {})
            delivered = figures.progress.quantities.get(category, {})
            for unit in sorted(set(planned) | set(delivered)):
                rows.append(
                    [
                        figures.label,
                        figures.code,
                        str(EquipmentCategory(category).label),
                        str(Unit(unit).label),
                        planned.get(unit),
                        delivered.get(unit),
                    ]
                )
    return rows


def _source_rows(figures_list):
    rows = []
    for figures in figures_list:
        for row in figures.by_source:
            rows.append(
                [
                    figures.label,
                    figures.code,
                    row.label,
                    yuan_to_wan(row.planned),
                    yuan_to_wan(row.arrived),
                    row.arrival_rate,
                    yuan_to_wan(row.paid),
                    row.payment_rate,
                ]
            )
    return rows


def dashboard_sheets(dashboard):
    everyone = [dashboard.headline, *dashboard.children]
    return [
        (_("Indicators"), _figure_headers(_("Name")), _figure_rows(everyone)),
        (
            _("Ranking"),
            [_("Rank"), *_figure_headers(_("Name"))],
            [
                [child.rank, *row]
                for child, row in zip(
                    dashboard.children, _figure_rows(dashboard.children), strict=True
                )
            ],
        ),
        (
            _("Trend"),
            [_("Month"), *(f"{label} (%)" for label in RATES.values())],
            [[point.label, *point.figures.rates.values()] for point in dashboard.trend],
        ),
        (
            _("By source"),
            [
                _("Name"),
                _("Code"),
                _("Source"),
                _("Planned (10,000 yuan)"),
                _("Arrived (10,000 yuan)"),
                _("Arrival rate (%)"),
                _("Paid (10,000 yuan)"),
                _("Payment rate (%)"),
            ],
            _source_rows(everyone),
        ),
        (_("Equipment quantities"), _quantity_headers(), _quantity_rows(everyone)),
        (
            _("Alerts"),
            [_("Alert"), _("Where"), _("Count")],
            [[str(alert.kind), alert.subject, alert.count] for alert in dashboard.alerts],
        ),
    ]


def school_sheets(dashboard):
    headline = dashboard.headline
    return [
        (_("Indicators"), _figure_headers(_("Name")), _figure_rows([headline])),
        (
            _("Projects"),
            [
                _("Project code"),
                _("Project name"),
                _("Category"),
                _("Planned area (m²)"),
                _("Planned amount (10,000 yuan)"),
                _("Status"),
                _("Started area (m²)"),
                _("Completed area (m²)"),
                _("Investment completed (10,000 yuan)"),
                _("Physical progress (%)"),
                _("Funds arrived (10,000 yuan)"),
                _("Funds paid (10,000 yuan)"),
            ],
            [
                [
                    row.project.code,
                    row.project.name,
                    row.project.get_category_display(),
                    row.project.planned_area,
                    yuan_to_wan(row.project.planned_amount),
                    row.status_label,
                    row.line["started_area"] if row.line else None,
                    row.line["completed_area"] if row.line else None,
                    yuan_to_wan(row.line["investment_to_date"]) if row.line else None,
                    row.line["progress"] if row.line else None,
                    yuan_to_wan(row.funds.arrived),
                    yuan_to_wan(row.funds.paid),
                ]
                for row in dashboard.projects
            ],
        ),
        (_("Equipment quantities"), _quantity_headers(), _quantity_rows([headline])),
    ]


def summary_sheets(summary):
    headers = [
        _("Name"),
        _("Code"),
        _("Total investment (10,000 yuan)"),
        _("Projects"),
        _("Construction projects"),
        _("Floor area (m²)"),
        _("Construction amount (10,000 yuan)"),
        _("Equipment projects"),
        _("Construction projects with equipment"),
        _("Equipment amount (10,000 yuan)"),
        _("IT projects"),
        _("IT amount (10,000 yuan)"),
        *(str(EquipmentCategory(category).label) for category in QUANTITY_CATEGORIES),
    ]
    rows = [
        [
            row.label,
            row.code,
            yuan_to_wan(row.investment),
            row.projects,
            row.construction_projects,
            row.floor_area,
            yuan_to_wan(row.construction_amount),
            row.equipment_projects,
            row.with_equipment,
            yuan_to_wan(row.equipment_amount),
            row.it_projects,
            yuan_to_wan(row.it_amount),
            *(row.quantity(category) for category in QUANTITY_CATEGORIES),
        ]
        for row in [*summary.rows, summary.total]
    ]
    title = _("Year-end summary %(first)s-%(last)s") % {
        "first": summary.first_year,
        "last": summary.last_year,
    }
    return [(title, headers, rows)]
