from django import forms
from django.utils.translation import gettext_lazy as _

from gaibo.forms import DateInput, VersionedForm, WanYuanField
from projects.choices import STEP_DATE_FIELDS
from projects.models import EquipmentLine, Project
from projects.selectors import schools_visible_to


class ProjectForm(VersionedForm):
    planned_amount = WanYuanField(label=_("Planned amount (10,000 yuan)"))
    bid_price = WanYuanField(label=_("Winning bid price (10,000 yuan)"), required=False)

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "school",
            "programme",
            "category",
            "construction_kind",
            "work_type",
            "plan_year",
            "is_early",
            "content",
            "planned_area",
            "planned_amount",
            *STEP_DATE_FIELDS,
            "contractor",
            "supervisor",
            "tender_method",
            "bid_price",
        ]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            **{name: DateInput() for name in STEP_DATE_FIELDS},
        }

    def __init__(self, *args, user, locked_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        # A project of an approved plan: its baseline changes only by a change request.
        for name in locked_fields:
            self.fields.pop(name, None)
        if "school" in self.fields:
            self.fields["school"].queryset = schools_visible_to(user=user)


class EquipmentLineForm(forms.ModelForm):
    amount = WanYuanField(label=_("Amount (10,000 yuan)"))

    class Meta:
        model = EquipmentLine
        fields = ["category", "item", "unit", "quantity", "amount"]


EquipmentLineFormSet = forms.inlineformset_factory(
    Project, EquipmentLine, form=EquipmentLineForm, extra=2, can_delete=True
)
