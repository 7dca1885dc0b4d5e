"""The indicator columns of a dashboard, defined once for the page, the .xlsx, the JSON and the
bulletin: a key (the JSON field), a label (the header), a kind (how it is shown) and how to
read it from Figures."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from gaibo.money import yuan_to_wan
from gaibo.templatetags.gaibo import area, percent, wan
from projects.choices import EquipmentCategory


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str  # count, area, money, rate, date
    get: Callable

    def value(self, figures):
        return self.get(figures)

    def text(self, figures) -> str:
        """The value as the page and the bulletin show it: money in 万元, rates in %."""
        value = self.get(figures)
        if self.kind == "money":
            return wan(value)
        if self.kind == "area":
            return area(value)
        if self.kind == "rate":
            return percent(value)
        if self.kind == "date":
            return value.isoformat() if value else "—"
        return str(value)

    def sheet_value(self, figures):
        """The value as a spreadsheet cell: money in 万元, rates as numbers (percent)."""
        value = self.get(figures)
        if value is None:
            return None
        if self.kind == "money":
            return yuan_to_wan(value)
        if self.kind == "date":
            return value.isoformat()
        return value

    def json_value(self, figures):
        """The value for JSON: money in yuan and areas as exact text, rates as text (percent
        with one decimal) or null, counts as numbers, dates ISO."""
        value = self.get(figures)
        if value is None:
            return None
        if isinstance(value, Decimal):
            return str(value)
        if self.kind == "date":
            return value.isoformat()
        return value


def _progress(name):
    return lambda figures: getattr(figures.progress, name)


def _attr(name):
    return lambda figures: getattr(figures, name)


FIGURE_COLUMNS = (
    Column("projects", _("Projects"), "count", _attr("projects")),
    Column(
        "construction_projects", _("Construction projects"), "count", _attr("construction_projects")
    ),
    Column("equipment_projects", _("Equipment projects"), "count", _attr("equipment_projects")),
    Column("it_projects", _("IT projects"), "count", _attr("it_projects")),
    Column("early_projects", _("Implemented early"), "count", _attr("early_projects")),
    Column("schools", _("Schools"), "count", _attr("schools")),
    Column("planned_area", _("Planned area (m²)"), "area", _attr("planned_area")),
    Column("started_area", _("Started area (m²)"), "area", _progress("started_area")),
    Column("start_rate", _("Start rate (%)"), "rate", _attr("start_rate")),
    Column("completed_area", _("Completed area (m²)"), "area", _progress("completed_area")),
    Column("completion_rate", _("Completion rate (%)"), "rate", _attr("completion_rate")),
    Column(
        "planned_equipment",
        _("Planned equipment (10,000 yuan)"),
        "money",
        _attr("planned_equipment"),
    ),
    Column(
        "equipment_purchased",
        _("Equipment purchased (10,000 yuan)"),
        "money",
        _progress("equipment_investment"),
    ),
    Column("equipment_rate", _("Equipment purchase rate (%)"), "rate", _attr("equipment_rate")),
    Column("planned_funds", _("Planned funds (10,000 yuan)"), "money", lambda f: f.funds.planned),
    Column("arrived_funds", _("Funds arrived (10,000 yuan)"), "money", lambda f: f.funds.arrived),
    Column("arrival_rate", _("Fund arrival rate (%)"), "rate", _attr("arrival_rate")),
    Column("paid_funds", _("Funds paid (10,000 yuan)"), "money", lambda f: f.funds.paid),
    Column("payment_rate", _("Fund payment rate (%)"), "rate", _attr("payment_rate")),
    Column("investment", _("Investment completed (10,000 yuan)"), "money", _progress("investment")),
    Column(
        "construction_started",
        _("Construction projects started"),
        "count",
        _progress("construction_started"),
    ),
    Column(
        "construction_completed",
        _("Construction projects completed"),
        "count",
        _progress("construction_completed"),
    ),
    Column(
        "equipment_done",
        _("Equipment and IT projects delivered"),
        "count",
        _progress("equipment_done"),
    ),
    Column(
        "schools_started", _("Schools with works started"), "count", _progress("schools_started")
    ),
    Column(
        "schools_completed",
        _("Schools with works completed"),
        "count",
        _progress("schools_completed"),
    ),
    Column(
        "schools_equipment_done",
        _("Schools with equipment delivered"),
        "count",
        _progress("schools_equipment_done"),
    ),
    Column("reported_on", _("Figures as of"), "date", _attr("reported_on")),
)
COLUMNS = {column.key: column for column in FIGURE_COLUMNS}

# The columns of the ranking table on the page (all of them go to the .xlsx and the JSON).
RANKING_KEYS = (
    "planned_area",
    "start_rate",
    "completion_rate",
    "planned_equipment",
    "equipment_rate",
    "planned_funds",
    "arrival_rate",
    "payment_rate",
)
RANKING_COLUMNS = tuple(COLUMNS[key] for key in RANKING_KEYS)

# The quantities a dashboard counts, by reporting category, in the seed's units.
QUANTITY_CATEGORIES = (
    EquipmentCategory.COMPUTERS,
    EquipmentCategory.BOOKS,
    EquipmentCategory.DESKS,
    EquipmentCategory.LIVING,
    EquipmentCategory.ARTS_SPORTS,
    EquipmentCategory.DIGITAL,
)
