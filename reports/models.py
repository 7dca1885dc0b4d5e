"""The monthly progress report (月报) of a county, its lines (one per project), its steps, the
deadline exceptions the city grants and the months the city runs half-monthly (半月调度)."""

import calendar
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gaibo.access import ScopedQuerySet
from gaibo.constraints import choices_constraint
from gaibo.money import area_field, money_field
from projects.choices import ProjectStatus
from reports.choices import EDITABLE_STATES, Half, ReportAction, ReportState


def period_end(year: int, month: int, half: int) -> datetime.date:
    """The last day a report covers."""
    if half == Half.FIRST:
        return datetime.date(year, month, 15)
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_start(year: int, month: int, half: int) -> datetime.date:
    return datetime.date(year, month, 16 if half == Half.SECOND else 1)


def due_date(year: int, month: int, half: int) -> datetime.date:
    """The last day to submit: a monthly report by GAIBO_REPORT_DUE_DAY of the next month; a
    half-monthly table GAIBO_HALF_MONTH_DUE_DAYS days after its half ends."""
    if half != Half.WHOLE:
        return period_end(year, month, half) + datetime.timedelta(
            days=settings.GAIBO_HALF_MONTH_DUE_DAYS
        )
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime.date(next_year, next_month, settings.GAIBO_REPORT_DUE_DAY)


class Report(models.Model):
    """One county's report of one month (or half month): lines, state, and lateness."""

    DISTRICT_LOOKUP = "county"

    county = models.ForeignKey(
        "projects.District",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    half = models.PositiveSmallIntegerField(_("period"), choices=Half, default=Half.WHOLE)
    ends_on = models.DateField(_("period ends on"), editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState, default=ReportState.DRAFT
    )
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical report"))

    class Meta:
        ordering = ["-year", "-month", "half", "county__code"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "month", "half"],
                name="%(app_label)s_%(class)s_one_per_period",
                violation_error_message=_("The county already has a report for this period."),
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12),
                name="%(app_label)s_%(class)s_month_valid",
                violation_error_message=_("A month is 1 to 12."),
            ),
            choices_constraint("state", ReportState),
            choices_constraint("half", Half),
        ]

    def __str__(self):
        return f"{self.county.name} {self.period_label}"

    def save(self, *args, **kwargs):
        self.ends_on = period_end(self.year, self.month, self.half)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("reports:report_entry", args=[self.pk])

    @property
    def period_label(self) -> str:
        label = f"{self.year}-{self.month:02d}"
        if self.half != Half.WHOLE:
            label += f" {self.get_half_display()}"
        return label

    @property
    def due_date(self) -> datetime.date:
        return due_date(self.year, self.month, self.half)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class ReportLine(models.Model):
    """One project's progress in a report: its status and dates as reported, the areas, the
    investment completed, the physical progress, and the funds from the funding records.

    For construction the two dates are the start (开工) and completion (竣工) of the works; for
    equipment and IT the contract (合同) and delivery (到货安装).
    """

    DISTRICT_LOOKUP = "report__county"

    report = models.ForeignKey(
        "reports.Report", verbose_name=_("report"), on_delete=models.CASCADE, related_name="lines"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="report_lines",
    )
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    completed_on = models.DateField(_("completion date"), null=True, blank=True)
    started_area = area_field(_("started area (m²)"), null=True, blank=True)
    completed_area = area_field(_("completed area (m²)"), null=True, blank=True)
    investment_month = money_field(_("investment completed this month (yuan)"), default=0)
    investment_to_date = money_field(_("investment completed to date (yuan)"), default=0)
    progress = models.PositiveSmallIntegerField(
        _("physical progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    remark = models.CharField(_("remark"), max_length=500, blank=True)
    # The funds, from the funding records; kept as they were when the finance bureau confirmed.
    arrived_to_date = money_field(_("funds arrived to date (yuan)"), null=True, blank=True)
    paid_to_date = money_field(_("funds paid to date (yuan)"), null=True, blank=True)
    arrived_month = money_field(_("funds arrived this month (yuan)"), null=True, blank=True)
    paid_month = money_field(_("funds paid this month (yuan)"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical report line"))

    class Meta:
        ordering = ["report", "project__code"]
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "project"],
                name="%(app_label)s_%(class)s_one_per_project",
                violation_error_message=_("The report already has a line for this project."),
            ),
            choices_constraint("status", ProjectStatus),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_percent",
                violation_error_message=_("Physical progress is at most 100%."),
            ),
            models.CheckConstraint(
                condition=Q(completed_area__isnull=True)
                | Q(started_area__isnull=False, completed_area__lte=F("started_area")),
                name="%(app_label)s_%(class)s_completed_within_started",
                violation_error_message=_(
                    "The completed area cannot be larger than the started area."
                ),
            ),
            models.CheckConstraint(
                condition=Q(started_area__isnull=True) | Q(started_area__gte=0),
                name="%(app_label)s_%(class)s_area_not_negative",
                violation_error_message=_("An area cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(investment_month__gte=0, investment_to_date__gte=F("investment_month")),
                name="%(app_label)s_%(class)s_investment_adds_up",
                violation_error_message=_(
                    "The investment to date includes this month's and is not negative."
                ),
            ),
            models.CheckConstraint(
                condition=Q(paid_to_date__isnull=True)
                | Q(arrived_to_date__isnull=False, paid_to_date__lte=F("arrived_to_date")),
                name="%(app_label)s_%(class)s_paid_within_arrived",
                violation_error_message=_("The funds paid cannot exceed the funds arrived."),
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True)
                | Q(started_on__isnull=False, completed_on__gte=F("started_on")),
                name="%(app_label)s_%(class)s_completed_after_started",
                violation_error_message=_(
                    "A completion date needs a start date and is not before it."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.report} {self.project.code}"

    def get_absolute_url(self):
        return self.report.get_absolute_url()


class ReportEvent(models.Model):
    """One step of a report: who submitted, confirmed, returned, approved or reopened it, when,
    from which state to which, and the reason given."""

    DISTRICT_LOOKUP = "report__county"

    report = models.ForeignKey(
        "reports.Report", verbose_name=_("report"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16, choices=ReportAction)
    from_state = models.CharField(_("from state"), max_length=16, choices=ReportState)
    to_state = models.CharField(_("to state"), max_length=16, choices=ReportState)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting user"),
        on_delete=models.PROTECT,
        related_name="report_events",
    )
    at = models.DateTimeField(_("time of the step"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["report", "at", "pk"]
        verbose_name = _("report step")
        verbose_name_plural = _("report steps")
        constraints = [
            choices_constraint("action", ReportAction),
            choices_constraint("from_state", ReportState),
            choices_constraint("to_state", ReportState),
        ]

    def __str__(self):
        return f"{self.report} {self.get_action_display()}"


class DeadlineException(models.Model):
    """The city lets a county enter a period's report after the deadline, until a day."""

    DISTRICT_LOOKUP = "county"

    county = models.ForeignKey(
        "projects.District",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="deadline_exceptions",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    half = models.PositiveSmallIntegerField(_("period"), choices=Half, default=Half.WHOLE)
    until = models.DateField(_("open until"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical deadline exception"))

    class Meta:
        ordering = ["-year", "-month", "county__code"]
        verbose_name = _("deadline exception")
        verbose_name_plural = _("deadline exceptions")
        constraints = [choices_constraint("half", Half)]

    def __str__(self):
        return f"{self.county.name} {self.year}-{self.month:02d} → {self.until}"


class HalfMonthlySchedule(models.Model):
    """A month in which the city's counties also fill the half-monthly table of unfinished
    projects (半月调度), switched on by the city."""

    DISTRICT_LOOKUP = "city"

    city = models.ForeignKey(
        "projects.District",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="half_monthly_schedules",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    switched_on_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("switched on by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    switched_on_at = models.DateTimeField(_("switched on at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = _("half-monthly schedule")
        verbose_name_plural = _("half-monthly schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "year", "month"],
                name="%(app_label)s_%(class)s_one_per_month",
                violation_error_message=_("Half-monthly reporting is already on for this month."),
            )
        ]

    def __str__(self):
        return f"{self.city.name} {self.year}-{self.month:02d}"


class ReportTotals(models.Model):
    """A monthly report's figures summed up for its county, kept when the report is submitted
    and again when it is approved, so that dashboards read a row per county and month instead
    of every line of every report (reports.services.report_totals_refresh writes it).

    The figures are those of the report's programme: its own lines, and the last approved line
    of each project already reported finished, which leaves later reports. Quantities are the
    equipment lines of the projects finished (delivered or completed), by reporting category
    and unit, as {category: {unit: "quantity"}}; statuses count the projects per status.
    """

    DISTRICT_LOOKUP = "report__county"

    report = models.OneToOneField(
        "reports.Report", verbose_name=_("report"), on_delete=models.CASCADE, related_name="totals"
    )
    lines = models.PositiveIntegerField(_("projects reported"), default=0)
    started_area = area_field(_("started area (m²)"), default=0)
    completed_area = area_field(_("completed area (m²)"), default=0)
    construction_started = models.PositiveIntegerField(
        _("construction projects started"), default=0
    )
    construction_completed = models.PositiveIntegerField(
        _("construction projects completed"), default=0
    )
    equipment_done = models.PositiveIntegerField(_("equipment projects delivered"), default=0)
    investment = money_field(_("investment completed to date (yuan)"), default=0)
    equipment_investment = money_field(_("equipment purchased to date (yuan)"), default=0)
    schools_started = models.PositiveIntegerField(_("schools with works started"), default=0)
    schools_completed = models.PositiveIntegerField(_("schools with works completed"), default=0)
    schools_equipment_done = models.PositiveIntegerField(
        _("schools with equipment delivered"), default=0
    )
    statuses = models.JSONField(_("projects by status"), default=dict)
    quantities = models.JSONField(_("equipment delivered"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report totals")
        verbose_name_plural = _("report totals")
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_area__lte=F("started_area"), completed_area__gte=0),
                name="%(app_label)s_%(class)s_completed_within_started",
                violation_error_message=_(
                    "The completed area cannot be larger than the started area."
                ),
            ),
            models.CheckConstraint(
                condition=Q(investment__gte=F("equipment_investment"), equipment_investment__gte=0),
                name="%(app_label)s_%(class)s_equipment_within_investment",
                violation_error_message=_(
                    "The equipment purchased is part of the investment completed."
                ),
            ),
        ]

    def __str__(self):
        return str(self.report)
