"""Form pieces every app uses."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gaibo.money import CENT, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, YUAN_PER_WAN
from gaibo.versions import stale_message


class WanYuanField(forms.DecimalField):
    """An amount typed and shown in 万元, cleaned to yuan (the stored unit)."""

    # The largest amount a money field holds (MONEY_MAX_DIGITS digits, two of them decimals).
    MAX_YUAN = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES) - CENT

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        if not value.is_finite():
            raise ValidationError(_("Enter a number."), code="invalid")
        if abs(value) > self.MAX_YUAN / YUAN_PER_WAN:
            raise ValidationError(
                _("An amount cannot exceed %(limit)s (10,000 yuan).")
                % {"limit": f"{self.MAX_YUAN / YUAN_PER_WAN:,.2f}"},
                code="too_large",
            )
        yuan = value * YUAN_PER_WAN
        if yuan != yuan.quantize(CENT):
            raise ValidationError(
                _("Amounts in 10,000 yuan have at most six decimal places (one fen)."),
                code="too_precise",
            )
        return yuan.quantize(CENT)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            text = format((value / YUAN_PER_WAN).normalize(), "f")
            return text.rstrip("0").rstrip(".") if "." in text else text
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["step"] = "any"
        return attrs


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's refusal next to the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class VersionedForm(forms.ModelForm):
    """The form of a record two people may edit at once (gaibo.versions): it carries, hidden,
    the version of the record the user loaded, and the save refuses when the record changed
    since."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("loaded_version", self.instance.version)
        # Editing an existing record: a form sent without the version it was opened at is
        # refused (a page of an older release, or a hand-made request), never saved blindly.
        self.fields["loaded_version"].required = bool(self.instance.pk)
        self.fields["loaded_version"].error_messages["required"] = _(
            "This page is out of date: reload it and make your changes again."
        )

    def clean(self):
        """Tell at once when the record changed since the page was opened (the save checks
        it again under a lock, for two saves at the same moment)."""
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        if loaded and self.instance.pk and not self.has_error("loaded_version"):
            current = type(self.instance)._default_manager.filter(pk=self.instance.pk)
            if current.values_list("version", flat=True).first() != loaded:
                self.add_error(None, stale_message(self.instance))
        return cleaned

    def _post_clean(self):
        loaded = self.cleaned_data.get("loaded_version")
        if loaded and self.instance.pk:
            self.instance.version = loaded
        super()._post_clean()
