"""Plans (规划 / 年度计划) and their review, and change requests to approved projects."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gaibo.access import ScopedQuerySet
from gaibo.constraints import choices_constraint
from gaibo.money import AREA_DECIMAL_PLACES, AREA_MAX_DIGITS, ZERO, area_field, money_field
from gaibo.versions import version_field
from plans.choices import (
    SOURCE_FIELDS,
    ChangeKind,
    ChangeState,
    PlanAction,
    PlanKind,
    PlanState,
)
from projects.choices import (
    PROGRAMME_YEARS,
    ConstructionKind,
    EquipmentCategory,
    Programme,
    ProjectCategory,
    Unit,
    WorkType,
)
from projects.models import construction_scope_constraints, equipment_line_constraints


def _years_in_programme(first: str, last: str) -> Q:
    condition = Q()
    for programme, (start, end) in PROGRAMME_YEARS.items():
        condition |= Q(programme=programme, **{f"{first}__gte": start}, **{f"{last}__lte": end})
    return condition


class Plan(models.Model):
    """A county's five-year plan or annual plan: the projects it means to carry out."""

    DISTRICT_LOOKUP = "county"

    county = models.ForeignKey(
        "projects.District",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    programme = models.CharField(
        _("programme"), max_length=16, choices=Programme, default=Programme.CAPACITY
    )
    kind = models.CharField(_("kind of plan"), max_length=16, choices=PlanKind)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=16, choices=PlanState, default=PlanState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["county__code", "programme", "kind", "first_year", "pk"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            choices_constraint("programme", Programme),
            choices_constraint("kind", PlanKind),
            choices_constraint("state", PlanState),
            models.UniqueConstraint(
                fields=["county", "programme", "kind", "first_year"],
                name="%(app_label)s_%(class)s_one_per_county_and_years",
                violation_error_message=_(
                    "The county already has a plan of this kind for these years."
                ),
            ),
            models.CheckConstraint(
                condition=Q(first_year__lte=F("last_year")),
                name="%(app_label)s_%(class)s_years_in_order",
                violation_error_message=_("The first year cannot be after the last year."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=PlanKind.ANNUAL) | Q(first_year=F("last_year")),
                name="%(app_label)s_%(class)s_annual_is_one_year",
                violation_error_message=_("An annual plan covers one year."),
            ),
            models.CheckConstraint(
                condition=_years_in_programme("first_year", "last_year"),
                name="%(app_label)s_%(class)s_years_in_programme",
                violation_error_message=_(
                    "The plan's years lie outside the programme's years "
                    "(2014-2018 for comprehensive improvement, 2021-2025 for capacity building)."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("plans:plan_detail", args=[self.pk])

    @property
    def years(self) -> str:
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}-{self.last_year}"


class PlanItem(models.Model):
    """One project of a plan, as the county plans it; on the province's approval it becomes
    (or confirms) a project of the register, whose baseline it then is."""

    DISTRICT_LOOKUP = "plan__county"

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("plan"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(
        _("project code"),
        max_length=32,
        help_text=_("The county's own project number, unique across the province."),
    )
    name = models.CharField(_("project name"), max_length=200)
    school = models.ForeignKey(
        "projects.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="plan_items",
    )
    category = models.CharField(_("category"), max_length=16, choices=ProjectCategory)
    construction_kind = models.CharField(
        _("building kind"), max_length=32, choices=ConstructionKind, blank=True
    )
    work_type = models.CharField(_("work type"), max_length=16, choices=WorkType, blank=True)
    content = models.TextField(_("content"), blank=True)
    plan_year = models.PositiveSmallIntegerField(_("plan year"))
    end_year = models.PositiveSmallIntegerField(
        _("year of completion"), help_text=_("The year the project is to be finished.")
    )
    planned_area = area_field(_("planned floor area (m²)"), null=True, blank=True)
    planned_amount = money_field(_("planned amount (yuan)"))
    fund_central = money_field(_("central funds (yuan)"), default=ZERO)
    fund_provincial = money_field(_("provincial funds (yuan)"), default=ZERO)
    fund_city = money_field(_("city matching funds (yuan)"), default=ZERO)
    fund_county = money_field(_("county matching funds (yuan)"), default=ZERO)
    fund_pooled = money_field(_("pooled repair funds (yuan)"), default=ZERO)
    fund_other = money_field(_("other funds (yuan)"), default=ZERO)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="plan_items",
        null=True,
        blank=True,
        help_text=_("The project of the register this item became when the plan was approved."),
    )

    version = version_field()
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical plan item"), excluded_fields=["version"])

    class Meta:
        ordering = ["plan", "plan_year", "code"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        indexes = [models.Index(fields=["school", "category"], name="plans_item_school_cat")]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="%(app_label)s_%(class)s_unique_code_in_plan",
                violation_error_message=_("The plan already has a project with this code."),
            ),
            choices_constraint("category", ProjectCategory),
            choices_constraint("construction_kind", ConstructionKind, blank=True),
            choices_constraint("work_type", WorkType, blank=True),
            models.CheckConstraint(
                condition=Q(planned_amount__gte=0),
                name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message=_("The planned amount cannot be negative."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0}),
                    name=f"%(app_label)s_%(class)s_{field}_not_negative",
                    violation_error_message=_("A planned amount cannot be negative."),
                )
                for field in SOURCE_FIELDS.values()
            ],
            models.CheckConstraint(
                condition=Q(end_year__gte=F("plan_year")),
                name="%(app_label)s_%(class)s_end_not_before_start",
                violation_error_message=_("The year of completion cannot be before the plan year."),
            ),
            *construction_scope_constraints(),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return f"{self.plan.get_absolute_url()}#item-{self.pk}"

    @property
    def funds_total(self):
        return sum((getattr(self, field) or ZERO for field in SOURCE_FIELDS.values()), ZERO)


class PlanItemLine(models.Model):
    """One line of equipment a plan item means to buy (scope of an equipment project)."""

    DISTRICT_LOOKUP = "item__plan__county"

    item = models.ForeignKey(
        "plans.PlanItem",
        verbose_name=_("plan item"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    category = models.CharField(_("reporting category"), max_length=16, choices=EquipmentCategory)
    name = models.CharField(_("item"), max_length=200)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit)
    quantity = models.DecimalField(
        _("quantity"), max_digits=AREA_MAX_DIGITS, decimal_places=AREA_DECIMAL_PLACES
    )
    amount = money_field(_("amount (yuan)"))

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical planned equipment line"))

    class Meta:
        ordering = ["item", "pk"]
        verbose_name = _("planned equipment line")
        verbose_name_plural = _("planned equipment lines")
        constraints = equipment_line_constraints()

    def __str__(self):
        return f"{self.name} × {self.quantity:g}"

    def get_absolute_url(self):
        return self.item.get_absolute_url()


class PlanEvent(models.Model):
    """One step of a plan's review: who submitted, returned or approved it, when, and why."""

    DISTRICT_LOOKUP = "plan__county"

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("plan"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16, choices=PlanAction)
    from_state = models.CharField(_("from state"), max_length=16, choices=PlanState)
    to_state = models.CharField(_("to state"), max_length=16, choices=PlanState)
    reason = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting user"),
        on_delete=models.PROTECT,
        related_name="plan_events",
    )
    at = models.DateTimeField(_("time of the step"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "at", "pk"]
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        constraints = [
            choices_constraint("action", PlanAction),
            choices_constraint("from_state", PlanState),
            choices_constraint("to_state", PlanState),
        ]

    def __str__(self):
        return f"{self.plan} {self.get_action_display()}"

    def get_absolute_url(self):
        return self.plan.get_absolute_url()


class PlanComment(models.Model):
    """A reviewer's comment on one project of a plan, made with a step (a return). It keeps
    the project's code and name, so that it still reads after the county removed the project."""

    DISTRICT_LOOKUP = "event__plan__county"

    event = models.ForeignKey(
        "plans.PlanEvent",
        verbose_name=_("plan step"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    # The county may remove the project after the comment (the comment stays, with the
    # project's code and name as they were).
    item = models.ForeignKey(
        "plans.PlanItem",
        verbose_name=_("plan item"),
        on_delete=models.SET_NULL,
        related_name="comments",
        null=True,
        blank=True,
    )
    item_code = models.CharField(_("project code"), max_length=32)
    item_name = models.CharField(_("project name"), max_length=200)
    text = models.TextField(_("comment"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["event", "item", "pk"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="%(app_label)s_%(class)s_text_not_empty",
                violation_error_message=_("A comment cannot be empty."),
            ),
        ]

    def __str__(self):
        return self.text[:50]

    def get_absolute_url(self):
        if self.item_id is None:
            return self.event.get_absolute_url()
        return self.item.get_absolute_url()


class ChangeRequest(models.Model):
    """A change to an approved project's amount, duration or scope (项目调整), decided by the
    city, or withdrawn by the county while it waits. It keeps the values before and after;
    the project's history keeps them too."""

    DISTRICT_LOOKUP = "project__school__county"

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    item = models.ForeignKey(
        "plans.PlanItem",
        verbose_name=_("plan item"),
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    kind = models.CharField(_("kind of change"), max_length=16, choices=ChangeKind)
    reason = models.TextField(_("reason"))
    old_values = models.JSONField(_("values before"), default=dict)
    new_values = models.JSONField(_("values after"), default=dict)
    state = models.CharField(
        _("state"), max_length=16, choices=ChangeState, default=ChangeState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # Who closed the request and when: the city deciding it, or the county withdrawing it.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            choices_constraint("kind", ChangeKind),
            choices_constraint("state", ChangeState),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="%(app_label)s_%(class)s_reason_given",
                violation_error_message=_("Say why the project must change."),
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(state=ChangeState.PENDING),
                name="%(app_label)s_%(class)s_one_pending_per_project",
                violation_error_message=_(
                    "The project already has a change request awaiting the city."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=ChangeState.PENDING)
                    & Q(decided_by__isnull=True, decided_at__isnull=True)
                )
                | (
                    ~Q(state=ChangeState.PENDING)
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="%(app_label)s_%(class)s_decided_when_not_pending",
                violation_error_message=_(
                    "A decided change request records who decided it and when."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.project.code} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("plans:change_detail", args=[self.pk])
