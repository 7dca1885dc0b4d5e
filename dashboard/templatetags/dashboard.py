from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def ranking_cells(figures, columns, ranked_key):
    """{% ranking_cells child columns rank_by %}: the indicator cells of one row of the ranking,
    the ranked column marked. One tag for the row's dozen cells: a {% for %} over them cost a
    county's hundred schools about 20 ms, and format_html_join still 10."""
    return mark_safe(
        "".join(
            f'<td class="num{" ranked" if column.key == ranked_key else ""}">'
            f"{escape(column.text(figures))}</td>"
            for column in columns
        )
    )


@register.filter
def year_month(day):
    """A date as its month, 2017-11 (the |date filter looks up the language's formats on every
    call)."""
    return f"{day.year}-{day.month:02d}" if day else ""


@register.filter
def quantity(quantities, category):
    """The quantity of a reporting category, its units summed, as {category: {unit: n}}."""
    units = quantities.get(category, {})
    if not units:
        return "—"
    total = sum(units.values())
    return f"{total:,.0f}" if total == int(total) else f"{total:,.2f}"
