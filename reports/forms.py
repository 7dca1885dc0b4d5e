from django import forms
from django.utils.translation import gettext_lazy as _

from gaibo.forms import DateInput, WanYuanField
from reports.choices import Half
from reports.models import DeadlineException, ReportLine


class ReportLineForm(forms.ModelForm):
    """One project's row on the entry page; `loaded_version` tells a concurrent change."""

    investment_month = WanYuanField(label=_("Investment this month (10,000 yuan)"), min_value=0)
    loaded_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = ReportLine
        fields = [
            "started_on",
            "completed_on",
            "started_area",
            "completed_area",
            "investment_month",
            "progress",
            "remark",
        ]
        widgets = {"started_on": DateInput(), "completed_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version
        for name in ("started_area", "completed_area"):
            self.fields[name].widget.attrs["step"] = "any"
            if self.instance.started_area is None:  # equipment and IT: no areas
                self.fields[name].disabled = True

    def _post_clean(self):
        # Put the typed values on the line, without the model's full_clean: a report has
        # hundreds of rows and the rules of a line are the service's (check_line), held again
        # by the database; full_clean would query the database for every row, changed or not.
        self.instance = forms.models.construct_instance(self, self.instance, self._meta.fields)

    @property
    def user_changed(self) -> bool:
        return bool(set(self.changed_data) - {"loaded_version"})


ReportLineFormSet = forms.modelformset_factory(ReportLine, form=ReportLineForm, extra=0)


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2014, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    half = forms.TypedChoiceField(
        label=_("Period"), choices=Half.choices, coerce=int, initial=Half.WHOLE
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DeadlineExceptionForm(forms.ModelForm):
    class Meta:
        model = DeadlineException
        fields = ["county", "year", "month", "half", "until", "reason"]
        widgets = {"until": DateInput(), "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
