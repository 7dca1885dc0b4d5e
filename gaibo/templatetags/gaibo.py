from decimal import Decimal

from django import template

from gaibo.money import yuan_to_wan

register = template.Library()


@register.filter
def wan(amount):
    """An amount in yuan shown in 万元 with two decimals and thousands separators."""
    if amount is None or amount == "":
        return "—"
    return f"{yuan_to_wan(amount):,.2f}"


@register.filter
def area(value):
    """A floor area in m², thousands separated, without needless decimals."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


@register.filter
def percent(value):
    """A rate computed by a selector (a Decimal percentage, or None where undefined)."""
    return "—" if value is None else f"{value}%"


@register.filter
def yesno_mark(value):
    return "✓" if value else "—"
