import re

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.selectors import DEFAULT_RANK, RATES

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str) -> tuple[int, int] | None:
    match = MONTH.match(value or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return year, month


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the value of an <input type="month">)."""

    widget = forms.TextInput(attrs={"type": "month"})
    default_error_messages = {"invalid": _("Give the month as YYYY-MM, e.g. 2017-11.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month

    def prepare_value(self, value):
        if isinstance(value, tuple):
            return f"{value[0]}-{value[1]:02d}"
        return value


class DashboardQueryForm(forms.Form):
    """What a dashboard, its JSON and its downloads are asked for: ?district=&month=&pending=
    &rank= (a school's page takes the month and pending)."""

    district = forms.RegexField(
        label=_("District code"),
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": _("A district code is six digits (GB/T 2260).")},
    )
    month = MonthField(label=_("Month"), required=False)
    pending = forms.BooleanField(label=_("Include reports not yet approved"), required=False)
    rank = forms.ChoiceField(
        label=_("Rank by"),
        choices=list(RATES.items()),
        required=False,
        initial=DEFAULT_RANK,
    )


class SummaryQueryForm(forms.Form):
    """The year-end summary: ?district=&from=&to= (plan years)."""

    district = DashboardQueryForm.base_fields["district"]
    first_year = forms.IntegerField(label=_("From plan year"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=_("To plan year"), min_value=2000, max_value=2100)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_year"), data.get("last_year")
        if first and last and first > last:
            self.add_error("last_year", _("The last year cannot be before the first."))
        return data
