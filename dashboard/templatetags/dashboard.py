from django import template

register = template.Library()


@register.filter
def cell(figures, column):
    """{{ figures|cell:column }}: one indicator as the page shows it."""
    return column.text(figures)


@register.filter
def quantity(quantities, category):
    """The quantity of a reporting category, its units summed, as {category: {unit: n}}."""
    units = quantities.get(category, {})
    if not units:
        return "—"
    total = sum(units.values())
    return f"{total:,.0f}" if total == int(total) else f"{total:,.2f}"
