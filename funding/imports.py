"""Imports of tranches, arrivals and payments from .xlsx (see gaibo/imports.py).

Each row is written by the same service as the form on the page, as the uploading user, so every
rule (limits, vouchers, payees, dates, the user's district) holds for imports too.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding import services
from funding.choices import FundLevel
from funding.models import Allocation, Arrival, Payment
from gaibo.forms import WanYuanField
from gaibo.imports import ImportForm, SheetChoiceField, SheetDateField, SheetImport
from gaibo.money import wan_text
from projects.models import District
from projects.selectors import projects_visible_to


def _visible_project(user, code: str):
    project = projects_visible_to(user=user).filter(code=code).select_related("school").first()
    if project is None:
        raise ValidationError(_("There is no project %(code)s in your district.") % {"code": code})
    return project


def _visible_district(user, text: str) -> District:
    """A district named by its six-digit code or by its name, if the user may see it."""
    matches = list(District.objects.visible_to(user).filter(Q(code=text) | Q(name=text))[:2])
    if not matches:
        raise ValidationError(
            _("There is no district “%(name)s” in your district.") % {"name": text}
        )
    if len(matches) > 1:
        raise ValidationError(
            _("Several districts are named “%(name)s”; give the six-digit code.") % {"name": text}
        )
    return matches[0]


class TrancheImportForm(ImportForm):
    source = SheetChoiceField(label=gettext_lazy("Fund source"), choices=FundLevel.choices)
    document_number = forms.CharField(label=gettext_lazy("Document number"), max_length=64)
    issued_on = SheetDateField(label=gettext_lazy("Date issued"))
    year = forms.IntegerField(label=gettext_lazy("Budget year"), min_value=2000, max_value=2100)
    recipient = forms.CharField(label=gettext_lazy("Recipient district (name or code)"))
    amount = WanYuanField(label=gettext_lazy("Amount (10,000 yuan)"))
    split_from = forms.CharField(
        label=gettext_lazy("Split from document number"), max_length=64, required=False
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False)

    def clean_recipient(self):
        return _visible_district(self.user, self.cleaned_data["recipient"])

    def save(self) -> str:
        data = self.cleaned_data
        allocation = Allocation(
            source=data["source"],
            document_number=data["document_number"],
            issued_on=data["issued_on"],
            year=data["year"],
            recipient=data["recipient"],
            amount=data["amount"],
            note=data["note"],
        )
        if data["split_from"]:
            allocation.split_from = self._parent(data)
        services.allocation_save(allocation=allocation, acting_user=self.user)
        return _("New tranche %(document)s to %(district)s, %(source)s, %(amount)s") % {
            "document": allocation.document_number,
            "district": allocation.recipient.name,
            "source": allocation.get_source_display(),
            "amount": wan_text(allocation.amount),
        }

    def _parent(self, data) -> Allocation:
        parent = (
            Allocation.objects.visible_to(self.user)
            .filter(
                document_number=data["split_from"],
                source=data["source"],
                recipient_id=data["recipient"].parent_id,
            )
            .first()
        )
        if parent is None:
            raise ValidationError(
                {
                    "split_from": _(
                        "No tranche %(document)s of this source was allocated to the district "
                        "above the recipient."
                    )
                    % {"document": data["split_from"]}
                }
            )
        return parent


class ArrivalImportForm(ImportForm):
    project = forms.CharField(label=gettext_lazy("Project code"), max_length=32)
    document_number = forms.CharField(label=gettext_lazy("Tranche document number"))
    source = SheetChoiceField(label=gettext_lazy("Fund source"), choices=FundLevel.choices)
    amount = WanYuanField(label=gettext_lazy("Amount (10,000 yuan)"))
    arrived_on = SheetDateField(label=gettext_lazy("Date arrived"))

    def clean_project(self):
        return _visible_project(self.user, self.cleaned_data["project"])

    def save(self) -> str:
        data = self.cleaned_data
        project = data["project"]
        allocation = (
            Allocation.objects.visible_to(self.user)
            .filter(
                document_number=data["document_number"],
                source=data["source"],
                recipient_id=project.school.county_id,
            )
            .first()
        )
        if allocation is None:
            raise ValidationError(
                {
                    "document_number": _(
                        "No tranche %(document)s of this source was allocated to the project's "
                        "county."
                    )
                    % {"document": data["document_number"]}
                }
            )
        arrival = Arrival(
            allocation=allocation,
            project=project,
            amount=data["amount"],
            arrived_on=data["arrived_on"],
        )
        services.arrival_save(arrival=arrival, acting_user=self.user)
        return _("%(amount)s of %(document)s arrives for %(project)s") % {
            "amount": wan_text(arrival.amount),
            "document": allocation.document_number,
            "project": f"{project.code} {project.name}",
        }


class PaymentImportForm(ImportForm):
    project = forms.CharField(label=gettext_lazy("Project code"), max_length=32)
    source = SheetChoiceField(label=gettext_lazy("Fund source"), choices=FundLevel.choices)
    payee = forms.CharField(label=gettext_lazy("Payee"), max_length=200)
    amount = WanYuanField(label=gettext_lazy("Amount (10,000 yuan)"))
    paid_on = SheetDateField(label=gettext_lazy("Date paid"))
    voucher_number = forms.CharField(
        label=gettext_lazy("Voucher number"), max_length=64, required=False
    )
    approved_by = forms.CharField(label=gettext_lazy("Approved by"), max_length=200)
    approved_on = SheetDateField(label=gettext_lazy("Date approved"))

    def clean_project(self):
        return _visible_project(self.user, self.cleaned_data["project"])

    def save(self) -> str:
        payment = Payment(**self.cleaned_data)
        services.payment_save(payment=payment, acting_user=self.user)
        return _("Payment of %(amount)s to %(payee)s for %(project)s") % {
            "amount": wan_text(payment.amount),
            "payee": payment.payee,
            "project": f"{payment.project.code} {payment.project.name}",
        }


TRANCHES = SheetImport(
    kind="funding.tranches",
    title=gettext_lazy("Tranches"),
    form_class=TrancheImportForm,
    batch=services.totals_deferred,
)
ARRIVALS = SheetImport(
    kind="funding.arrivals",
    title=gettext_lazy("Arrivals of funds"),
    form_class=ArrivalImportForm,
    batch=services.totals_deferred,
)
PAYMENTS = SheetImport(
    kind="funding.payments",
    title=gettext_lazy("Payments"),
    form_class=PaymentImportForm,
    batch=services.totals_deferred,
)
