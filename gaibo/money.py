"""Money and area: one definition of how they are stored and shown.

Money is stored in yuan as a Decimal with two places and shown in 万元 (ten thousand yuan), as
the bureaus count it. Never float.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
AREA_MAX_DIGITS = 12
AREA_DECIMAL_PLACES = 2
YUAN_PER_WAN = Decimal(10000)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """A field holding an amount in yuan, never negative."""
    kwargs.setdefault(
        "validators", [MinValueValidator(ZERO, message=_("An amount cannot be negative."))]
    )
    return models.DecimalField(
        verbose_name,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        **kwargs,
    )


def area_field(verbose_name, **kwargs) -> models.DecimalField:
    """A field holding a floor area in m²."""
    return models.DecimalField(
        verbose_name, max_digits=AREA_MAX_DIGITS, decimal_places=AREA_DECIMAL_PLACES, **kwargs
    )


def yuan_to_wan(amount: Decimal) -> Decimal:
    """Yuan to 万元, rounded to 0.01 万元 (hundred yuan) for display."""
    return (Decimal(amount) / YUAN_PER_WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def wan_to_yuan(amount: Decimal) -> Decimal:
    return Decimal(amount) * YUAN_PER_WAN


def wan_text(amount: Decimal) -> str:
    """An amount in yuan written in 万元 for a sentence: "1,234.56"."""
    return f"{yuan_to_wan(amount):,.2f}"
