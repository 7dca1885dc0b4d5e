"""The money: tranches allocated down the district tree, each project's funding plan, the
funds that reached a project (到位) and the payments made from them (报账制)."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding.choices import FundLevel
from gaibo.access import ScopedQuerySet
from gaibo.money import area_field, money_field
from gaibo.versions import version_field
from projects.choices import Programme


class Allocation(models.Model):
    """A tranche (资金下达): money of one source allocated to a district by a document (文号).

    A city may split a tranche it received into tranches for its counties (`split_from`).
    """

    DISTRICT_LOOKUP = "recipient"

    source = models.CharField(_("fund source"), max_length=16, choices=FundLevel)
    document_number = models.CharField(
        _("document number"), max_length=64, help_text=_("e.g. 滁政办〔2023〕33号")
    )
    issued_on = models.DateField(_("date issued"))
    year = models.PositiveSmallIntegerField(_("budget year"))
    recipient = models.ForeignKey(
        "projects.District",
        verbose_name=_("recipient district"),
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    amount = money_field(_("amount (yuan)"))
    split_from = models.ForeignKey(
        "self",
        verbose_name=_("split from tranche"),
        on_delete=models.PROTECT,
        related_name="splits",
        null=True,
        blank=True,
    )
    note = models.TextField(_("note"), blank=True)

    version = version_field()
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical tranche"), excluded_fields=["version"])

    class Meta:
        ordering = ["-issued_on", "document_number", "pk"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message=_("The amount of a tranche must be above zero."),
            ),
            models.UniqueConstraint(
                fields=["document_number", "recipient", "source"],
                name="%(app_label)s_%(class)s_unique_document",
                violation_error_message=_(
                    "This document already allocates money of this source to this district."
                ),
            ),
        ]
        indexes = [models.Index(fields=["year", "source"], name="funding_alloc_year_source")]

    def __str__(self):
        return f"{self.document_number} {self.recipient} {self.get_source_display()}"

    def get_absolute_url(self):
        return reverse("funding:allocation_detail", args=[self.pk])


class FundingPlanLine(models.Model):
    """How much of one source a project plans to receive (资金来源明确具体)."""

    DISTRICT_LOOKUP = "project__school__county"

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="funding_plan",
    )
    source = models.CharField(_("fund source"), max_length=16, choices=FundLevel)
    amount = money_field(_("planned amount (yuan)"))

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical funding plan line"))

    class Meta:
        ordering = ["project", "source"]
        verbose_name = _("funding plan line")
        verbose_name_plural = _("funding plan lines")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source"],
                name="%(app_label)s_%(class)s_one_per_source",
                violation_error_message=_("The project's plan already has this source."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message=_("A planned amount cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.project.code} {self.get_source_display()}"

    def get_absolute_url(self):
        return reverse("funding:project_ledger", args=[self.project_id])


class Arrival(models.Model):
    """Money of a tranche that reached a project's special account (到位)."""

    DISTRICT_LOOKUP = "project__school__county"

    allocation = models.ForeignKey(
        "funding.Allocation",
        verbose_name=_("tranche"),
        on_delete=models.PROTECT,
        related_name="arrivals",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="arrivals",
    )
    amount = money_field(_("amount (yuan)"))
    arrived_on = models.DateField(_("date arrived"))

    version = version_field()
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical arrival"), excluded_fields=["version"])

    class Meta:
        ordering = ["-arrived_on", "pk"]
        verbose_name = _("arrival of funds")
        verbose_name_plural = _("arrivals of funds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message=_("The amount that arrived must be above zero."),
            ),
        ]

    def __str__(self):
        return f"{self.allocation.document_number} → {self.project.code}"

    def get_absolute_url(self):
        return reverse("funding:project_ledger", args=[self.project_id])


class Payment(models.Model):
    """A payment straight to the project's contractor or supplier (报账制)."""

    DISTRICT_LOOKUP = "project__school__county"

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    source = models.CharField(_("fund source"), max_length=16, choices=FundLevel)
    payee = models.CharField(_("payee"), max_length=200)
    amount = money_field(_("amount (yuan)"))
    paid_on = models.DateField(_("date paid"))
    voucher_number = models.CharField(_("voucher number"), max_length=64, blank=True)
    approved_by = models.CharField(
        _("approved by"), max_length=200, help_text=_("The responsible people who signed off.")
    )
    approved_on = models.DateField(_("date approved"))

    version = version_field()
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical payment"), excluded_fields=["version"])

    class Meta:
        ordering = ["-paid_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message=_("The amount paid must be above zero."),
            ),
            models.UniqueConstraint(
                fields=["voucher_number"],
                condition=~Q(voucher_number=""),
                name="%(app_label)s_%(class)s_unique_voucher",
                violation_error_message=_("This voucher number has already been used."),
            ),
            models.CheckConstraint(
                condition=Q(approved_on__lte=models.F("paid_on")),
                name="%(app_label)s_%(class)s_approved_before_paid",
                violation_error_message=_("A payment is approved before it is paid."),
            ),
        ]

    def __str__(self):
        return f"{self.project.code} {self.payee} {self.amount}"

    def get_absolute_url(self):
        return reverse("funding:project_ledger", args=[self.project_id])


class FundTotals(models.Model):
    """What arrived for and was paid from a county's projects of one programme, by source and
    month, kept by the funding services whenever an arrival or a payment is written, so that
    the city and province dashboards read a row per county, source and month instead of every
    arrival and payment (funding.services.fund_totals_refresh writes it)."""

    DISTRICT_LOOKUP = "county"

    county = models.ForeignKey(
        "projects.District",
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="fund_totals",
    )
    programme = models.CharField(_("programme"), max_length=16, choices=Programme)
    source = models.CharField(_("fund source"), max_length=16, choices=FundLevel)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    arrived = money_field(_("arrived (yuan)"), default=0)
    paid = money_field(_("paid (yuan)"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["county", "programme", "month", "source"]
        verbose_name = _("fund totals")
        verbose_name_plural = _("fund totals")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "programme", "month", "source"],
                name="%(app_label)s_%(class)s_one_per_month",
            ),
            models.CheckConstraint(
                condition=Q(arrived__gte=0, paid__gte=0),
                name="%(app_label)s_%(class)s_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.county} {self.month:%Y-%m} {self.get_source_display()}"


class PlanTotals(models.Model):
    """The plan of a county's projects of one programme, summed: projects by category, schools,
    planned area and amounts, the funding plans by source ({source: "amount"}) and the
    equipment quantities ({category: {unit: "quantity"}}, text as JSON keeps it exactly).
    Kept by the services that write projects, their equipment lines and their funding plans
    (funding.services.plan_totals_refresh), so that the city and province dashboards read a
    row per county instead of every project and line. A county without a row is summed from
    its projects when read (funding.selectors.plan_sums)."""

    DISTRICT_LOOKUP = "county"

    county = models.ForeignKey(
        "projects.District",
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="plan_totals",
    )
    programme = models.CharField(_("programme"), max_length=16, choices=Programme)
    projects = models.PositiveIntegerField(_("projects"), default=0)
    construction_projects = models.PositiveIntegerField(_("construction projects"), default=0)
    equipment_projects = models.PositiveIntegerField(_("equipment projects"), default=0)
    it_projects = models.PositiveIntegerField(_("IT projects"), default=0)
    early_projects = models.PositiveIntegerField(_("projects implemented early"), default=0)
    schools = models.PositiveIntegerField(_("schools"), default=0)
    planned_area = area_field(_("planned floor area (m²)"), default=0)
    planned_amount = money_field(_("planned amount (yuan)"), default=0)
    planned_equipment = money_field(_("planned equipment and IT (yuan)"), default=0)
    sources = models.JSONField(_("funding plan by source"), default=dict)
    quantities = models.JSONField(_("equipment planned"), default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["county", "programme"]
        verbose_name = _("plan totals")
        verbose_name_plural = _("plan totals")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "programme"], name="%(app_label)s_%(class)s_one_per_programme"
            ),
        ]

    def __str__(self):
        return f"{self.county} {self.get_programme_display()}"


class HeldFunds(models.Model):
    """How many of a county's projects of one programme hold funds unpaid (滞留) at the end of
    each month: money that arrived at least `days` days before the month's end and was not paid
    by it. Kept with the fund totals (funding.services.held_funds_refresh), so that the city
    and province dashboards read a row per county instead of every arrival and payment.

    A county's rows run from the programme's first month (or its first record, if earlier) to
    the month after which nothing can change any more: a later month has the last row's figure.
    Rows of another `days` than GAIBO_HELD_FUNDS_DAYS are not read."""

    DISTRICT_LOOKUP = "county"

    county = models.ForeignKey(
        "projects.District",
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="held_funds",
    )
    programme = models.CharField(_("programme"), max_length=16, choices=Programme)
    days = models.PositiveSmallIntegerField(_("days unpaid"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    projects = models.PositiveIntegerField(_("projects holding funds"), default=0)
    is_last = models.BooleanField(
        _("last month kept"), default=False, help_text=_("Later months have the same figure.")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["county", "programme", "days", "month"]
        verbose_name = _("funds held unpaid")
        verbose_name_plural = _("funds held unpaid")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "programme", "days", "month"],
                name="%(app_label)s_%(class)s_one_per_month",
            ),
        ]

    def __str__(self):
        return f"{self.county} {self.month:%Y-%m} {self.projects}"
