"""Form pieces every app uses."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gaibo.money import CENT, YUAN_PER_WAN


class WanYuanField(forms.DecimalField):
    """An amount typed and shown in 万元, cleaned to yuan (the stored unit)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        yuan = value * YUAN_PER_WAN
        if yuan != yuan.quantize(CENT):
            raise ValidationError(
                _("Amounts in 10,000 yuan have at most six decimal places (one fen)."),
                code="too_precise",
            )
        return yuan.quantize(CENT)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return (value / YUAN_PER_WAN).normalize()
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["step"] = "any"
        return attrs


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
