from django import forms
from django.utils.translation import gettext_lazy as _

from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment
from gaibo.forms import DateInput, VersionedForm, WanYuanField
from projects.models import District


class AllocationForm(VersionedForm):
    amount = WanYuanField(label=_("Amount (10,000 yuan)"))

    class Meta:
        model = Allocation
        fields = ["source", "document_number", "issued_on", "year", "recipient", "amount", "note"]
        widgets = {"issued_on": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = District.objects.visible_to(user)


class ArrivalForm(VersionedForm):
    amount = WanYuanField(label=_("Amount (10,000 yuan)"))

    class Meta:
        model = Arrival
        fields = ["allocation", "amount", "arrived_on"]
        widgets = {"arrived_on": DateInput()}

    def __init__(self, *args, project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocation"].queryset = Allocation.objects.visible_to(user).filter(
            recipient_id=project.school.county_id
        )


class PaymentForm(VersionedForm):
    amount = WanYuanField(label=_("Amount (10,000 yuan)"))

    class Meta:
        model = Payment
        fields = [
            "source",
            "payee",
            "amount",
            "paid_on",
            "voucher_number",
            "approved_by",
            "approved_on",
        ]
        widgets = {"paid_on": DateInput(), "approved_on": DateInput()}


class CorrectionReasonForm(forms.Form):
    """The reason a recorded money figure is corrected; the history keeps it with the change."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=100,  # django-simple-history keeps up to 100 characters
        help_text=_("Kept in the change history with who corrected what, and when."),
    )


class AllocationCorrectionForm(AllocationForm, CorrectionReasonForm):
    pass


class ArrivalCorrectionForm(ArrivalForm, CorrectionReasonForm):
    pass


class PaymentCorrectionForm(PaymentForm, CorrectionReasonForm):
    pass


class FundingPlanForm(forms.Form):
    """A project's planned amount for each source, in 万元."""

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        current = {line.source: line.amount for line in project.funding_plan.all()}
        for source in FundLevel:
            self.fields[source.value] = WanYuanField(
                label=source.label, required=False, initial=current.get(source.value)
            )
