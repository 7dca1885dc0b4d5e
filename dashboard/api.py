"""The dashboard as JSON, for the provincial platform: every figure of the page, with the
same column keys as the .xlsx (dashboard.columns). The README documents the URLs and fields."""

from dashboard.columns import FIGURE_COLUMNS, QUANTITY_CATEGORIES
from funding.choices import FundLevel


def _amount(value):
    return None if value is None else str(value)


def figures_data(figures) -> dict:
    data = {"name": figures.label, "code": figures.code}
    data.update({column.key: column.json_value(figures) for column in FIGURE_COLUMNS})
    data["pending"] = figures.pending
    data["counties"] = figures.counties
    data["counties_reported"] = figures.counties_reported
    data["rank"] = figures.rank
    data["laggard"] = figures.is_laggard
    data["sources"] = [
        {
            "source": source,
            "name": str(FundLevel(source).label),
            "planned": _amount(row.planned),
            "arrived": _amount(row.arrived),
            "paid": _amount(row.paid),
            "arrival_rate": _amount(row.arrival_rate),
            "payment_rate": _amount(row.payment_rate),
        }
        for source, row in sorted(
            figures.sources.items(), key=lambda item: list(FundLevel).index(item[0])
        )
    ]
    data["statuses"] = dict(sorted(figures.progress.statuses.items()))
    data["quantities"] = {
        "planned": _quantities(figures.planned_quantities),
        "delivered": _quantities(figures.progress.quantities),
    }
    return data


def _quantities(quantities: dict) -> dict:
    return {
        category: {unit: str(value) for unit, value in sorted(quantities[category].items())}
        for category in QUANTITY_CATEGORIES
        if category in quantities
    }


def dashboard_data(dashboard) -> dict:
    node = dashboard.node
    return {
        "district": {"code": node.code, "name": node.name, "level": node.level},
        "month": f"{dashboard.year}-{dashboard.month:02d}",
        "month_end": dashboard.month_end.isoformat(),
        "pending_included": dashboard.pending,
        "programme": dashboard.programme,
        "rank_by": dashboard.rank_by,
        "headline": figures_data(dashboard.headline),
        "children": [figures_data(child) for child in dashboard.children],
        "trend": [
            {
                "month": point.label,
                **{key: _amount(value) for key, value in point.figures.rates.items()},
            }
            for point in dashboard.trend
        ],
        "alerts": [
            {"kind": str(alert.kind), "subject": alert.subject, "count": alert.count}
            for alert in dashboard.alerts
        ],
    }


def school_data(dashboard) -> dict:
    school = dashboard.school
    return {
        "school": {"code": school.code, "name": school.name, "county": school.county.code},
        "month": f"{dashboard.year}-{dashboard.month:02d}",
        "pending_included": dashboard.pending,
        "headline": figures_data(dashboard.headline),
        "projects": [
            {
                "code": row.project.code,
                "name": row.project.name,
                "category": row.project.category,
                "planned_area": _amount(row.project.planned_area),
                "planned_amount": _amount(row.project.planned_amount),
                "status": row.line["status"] if row.line else None,
                "started_area": _amount(row.line["started_area"]) if row.line else None,
                "completed_area": _amount(row.line["completed_area"]) if row.line else None,
                "investment_to_date": _amount(row.line["investment_to_date"]) if row.line else None,
                "progress": row.line["progress"] if row.line else None,
                "arrived": _amount(row.funds.arrived),
                "paid": _amount(row.funds.paid),
            }
            for row in dashboard.projects
        ],
    }


SUMMARY_FIELDS = (
    "investment",
    "projects",
    "construction_projects",
    "equipment_projects",
    "it_projects",
    "with_equipment",
    "floor_area",
    "construction_amount",
    "equipment_amount",
    "it_amount",
)


def summary_row_data(row) -> dict:
    data = {"name": row.label, "code": row.code}
    for name in SUMMARY_FIELDS:
        value = getattr(row, name)
        data[name] = value if isinstance(value, int) else str(value)
    data["quantities"] = _quantities(row.quantities)
    return data


def summary_data(summary) -> dict:
    return {
        "district": {"code": summary.district.code, "name": summary.district.name},
        "first_year": summary.first_year,
        "last_year": summary.last_year,
        "total": summary_row_data(summary.total),
        "rows": [summary_row_data(row) for row in summary.rows],
    }
