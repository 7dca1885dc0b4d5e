from django import forms
from django.utils.translation import gettext_lazy as _

from gaibo.forms import VersionedForm, WanYuanField
from gaibo.money import ZERO
from plans.choices import SOURCE_FIELDS, SOURCE_LABELS, ChangeKind, PlanKind
from plans.models import Plan, PlanItem, PlanItemLine
from plans.selectors import counties_for_plans
from projects.choices import PROGRAMME_YEARS, EquipmentCategory, Programme, Unit
from projects.selectors import schools_visible_to


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["county", "programme", "kind", "first_year", "title"]
        help_texts = {
            "first_year": _("The year of an annual plan; a five-year plan covers the programme.")
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties_for_plans(user=user)
        self.fields["first_year"].required = False
        if user.district_id and user.district.level == "county":
            self.initial["county"] = self.initial.get("county") or user.district_id

    def clean(self):
        data = super().clean()
        kind, programme = data.get("kind"), data.get("programme")
        if kind == PlanKind.FIVE_YEAR and programme:
            data["first_year"], data["last_year"] = PROGRAMME_YEARS[Programme(programme)]
        elif kind == PlanKind.ANNUAL:
            if not data.get("first_year"):
                self.add_error("first_year", _("Give the year of the annual plan."))
            data["last_year"] = data.get("first_year")
        self.instance.last_year = data.get("last_year")
        self.instance.first_year = data.get("first_year")
        return data


class FundsMixin:
    def clean(self):
        data = super().clean()
        for name in SOURCE_FIELDS.values():
            if data.get(name) is None:
                data[name] = ZERO
                setattr(self.instance, name, ZERO)
        return data


class PlanItemForm(FundsMixin, VersionedForm):
    """A project of the plan; two people editing it at once: the second is told (versions)."""

    planned_amount = WanYuanField(label=_("Planned amount (10,000 yuan)"), min_value=0)
    fund_central = WanYuanField(label=SOURCE_LABELS["fund_central"], required=False, min_value=0)
    fund_provincial = WanYuanField(
        label=SOURCE_LABELS["fund_provincial"], required=False, min_value=0
    )
    fund_city = WanYuanField(label=SOURCE_LABELS["fund_city"], required=False, min_value=0)
    fund_county = WanYuanField(label=SOURCE_LABELS["fund_county"], required=False, min_value=0)
    fund_pooled = WanYuanField(label=SOURCE_LABELS["fund_pooled"], required=False, min_value=0)
    fund_other = WanYuanField(label=SOURCE_LABELS["fund_other"], required=False, min_value=0)

    class Meta:
        model = PlanItem
        fields = [
            "code",
            "name",
            "school",
            "category",
            "construction_kind",
            "work_type",
            "content",
            "plan_year",
            "end_year",
            "planned_area",
            "planned_amount",
            *SOURCE_FIELDS.values(),
        ]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools_visible_to(user=user).filter(
            county_id=plan.county_id
        )


class PlanItemLineForm(forms.ModelForm):
    amount = WanYuanField(label=_("Amount (10,000 yuan)"), min_value=0)

    class Meta:
        model = PlanItemLine
        fields = ["category", "name", "unit", "quantity", "amount"]


PlanItemLineFormSet = forms.inlineformset_factory(
    PlanItem, PlanItemLine, form=PlanItemLineForm, extra=2, can_delete=True
)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    """The city's return: a comment on the plan, and one per project that needs it."""

    reason = forms.CharField(
        label=_("Comment on the plan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.CharField(
                label=f"{item.code} {item.name}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def comments(self) -> dict:
        return {item.pk: self.cleaned_data.get(f"item_{item.pk}", "") for item in self.items}

    def item_fields(self):
        return [(item, self[f"item_{item.pk}"]) for item in self.items]


class ChangeRequestForm(forms.Form):
    """The new values of one kind of change, and the reason."""

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == ChangeKind.VALUE:
            self.fields["planned_amount"] = WanYuanField(
                label=_("New planned amount (10,000 yuan)"), min_value=0
            )
            for name, label in SOURCE_LABELS.items():
                self.fields[name] = WanYuanField(label=label, required=False, min_value=0)
        elif kind == ChangeKind.DURATION:
            self.fields["plan_year"] = forms.IntegerField(
                label=_("New plan year"), min_value=2000, max_value=2100
            )
            self.fields["end_year"] = forms.IntegerField(
                label=_("New year of completion"), min_value=2000, max_value=2100
            )
        else:
            self.fields["name"] = forms.CharField(label=_("New project name"), max_length=200)
            self.fields["planned_area"] = forms.DecimalField(
                label=_("New planned floor area (m²)"),
                required=False,
                min_value=0,
                decimal_places=2,
            )
            self.fields["content"] = forms.CharField(
                label=_("New content"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            )
        self.fields["reason"] = forms.CharField(
            label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3})
        )

    def new_values(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "reason" and value is not None
        }


class LineChangeForm(forms.Form):
    """One equipment line as a scope change wants it."""

    category = forms.ChoiceField(label=_("Reporting category"), choices=EquipmentCategory.choices)
    item = forms.CharField(label=_("Item"), max_length=200)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, decimal_places=2)
    amount = WanYuanField(label=_("Amount (10,000 yuan)"), min_value=0)


LineChangeFormSet = forms.formset_factory(LineChangeForm, extra=1, can_delete=True)


def wanted_lines(formset) -> list[dict]:
    """The lines a valid formset keeps: neither deleted nor left empty."""
    return [
        {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the change is refused."),
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is withdrawn"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PublicSearchForm(forms.Form):
    county = forms.ChoiceField(label=_("County"), required=False)
    school = forms.CharField(label=_("School"), required=False, max_length=100)

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", _("All counties"))] + [
            (row["code"], row["name"]) for row in counties
        ]
