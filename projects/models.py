from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gaibo.access import ScopedQuerySet
from gaibo.constraints import choices_constraint
from gaibo.money import AREA_DECIMAL_PLACES, AREA_MAX_DIGITS, area_field, money_field
from gaibo.versions import version_field
from projects.choices import (
    CATEGORY_UNITS,
    COMPULSORY_SCHOOL_TYPES,
    LIFECYCLE_STEPS,
    PROGRAMME_YEARS,
    STEP_DATE_FIELDS,
    ConstructionKind,
    DistrictLevel,
    EquipmentCategory,
    Programme,
    ProjectCategory,
    ProjectStatus,
    SchoolLocation,
    SchoolType,
    TenderMethod,
    Unit,
    WorkType,
)

# A rural school with fewer pupils than this is a rural small-scale school (乡村小规模学校).
SMALL_SCALE_PUPILS = 100


class District(models.Model):
    """A node of the district tree (行政区划), keyed by its GB/T 2260 code."""

    DISTRICT_LOOKUP = ""

    code = models.CharField(
        _("district code"),
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("A district code is six digits (GB/T 2260)."))],
        help_text=_("Six-digit GB/T 2260 code, e.g. 210800."),
    )
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=DistrictLevel)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent district"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                name="%(app_label)s_%(class)s_unique_code",
                violation_error_message=_("Another district already has this code."),
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{6}$"),
                name="%(app_label)s_%(class)s_code_six_digits",
                violation_error_message=_("A district code is six digits (GB/T 2260)."),
            ),
            choices_constraint("level", DistrictLevel),
            models.CheckConstraint(
                condition=(Q(level=DistrictLevel.PROVINCE) & Q(parent__isnull=True))
                | (~Q(level=DistrictLevel.PROVINCE) & Q(parent__isnull=False)),
                name="%(app_label)s_%(class)s_parent_by_level",
                violation_error_message=_(
                    "A province has no parent district; a city or county must have one."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('projects:project_list')}?county={self.pk}"


class School(models.Model):
    """A school (学校), keyed by its 10-digit 学校标识码."""

    DISTRICT_LOOKUP = "county"

    code = models.CharField(
        _("school identification code"),
        max_length=10,
        validators=[RegexValidator(r"^\d{10}$", _("A school identification code is ten digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    county = models.ForeignKey(
        "projects.District",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"level": DistrictLevel.COUNTY},
    )
    school_type = models.CharField(_("school type"), max_length=32, choices=SchoolType)
    location = models.CharField(_("location"), max_length=16, choices=SchoolLocation)
    is_boarding = models.BooleanField(_("boarding school"), default=False)
    pupils = models.PositiveIntegerField(_("pupils"), default=0)
    classes = models.PositiveIntegerField(_("classes"), default=0)
    is_public = models.BooleanField(_("public school"), default=True)
    in_layout_plan = models.BooleanField(
        _("in the layout plan and kept long-term"),
        default=True,
        help_text=_("Only schools in the layout plan and kept long-term may receive projects."),
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical school"))

    class Meta:
        ordering = ["county__code", "code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                name="%(app_label)s_%(class)s_unique_code",
                violation_error_message=_(
                    "Another school already has this school identification code."
                ),
            ),
            choices_constraint("school_type", SchoolType),
            choices_constraint("location", SchoolLocation),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{10}$"),
                name="%(app_label)s_%(class)s_code_ten_digits",
                violation_error_message=_("A school identification code is ten digits."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:school_detail", args=[self.pk])

    @property
    def is_small_scale(self) -> bool:
        """乡村小规模学校: a rural school with fewer than 100 pupils."""
        return self.location == SchoolLocation.RURAL and self.pupils < SMALL_SCALE_PUPILS

    def eligibility_problems(self) -> list[str]:
        """Why the programmes may not fund this school (实施范围); empty when they may."""
        problems = []
        if not self.is_public:
            problems.append(_("Private schools are outside the programme."))
        if self.school_type not in COMPULSORY_SCHOOL_TYPES:
            problems.append(
                _("Only compulsory education may be funded, not a %(type)s.")
                % {"type": self.get_school_type_display()}
            )
        if not self.in_layout_plan:
            problems.append(_("The school is not in the layout plan to be kept long-term."))
        return problems

    @property
    def is_eligible(self) -> bool:
        return not self.eligibility_problems()


def _lifecycle_constraints():
    """Constraints that keep a project's status and its step dates in agreement.

    For every step date: it is filled exactly when the project's status has reached that step
    of its category's lifecycle. For every two consecutive steps: the later date needs the
    earlier one and is not before it. Together these make the status the last dated step.
    """
    constraints = []
    category_field_statuses = {}
    pairs = {}
    for category, steps in LIFECYCLE_STEPS.items():
        statuses = [ProjectStatus.PLANNED] + [status for status, _field in steps]
        for index, (_status, field) in enumerate(steps):
            category_field_statuses[(category, field)] = statuses[index + 1 :]
        for (_s1, earlier), (_s2, later) in zip(steps, steps[1:], strict=False):
            pairs.setdefault((earlier, later), []).append(category)
        constraints.append(
            models.CheckConstraint(
                condition=~Q(category=category) | Q(status__in=statuses),
                name=f"%(app_label)s_%(class)s_status_fits_{category}",
                violation_error_message=format_lazy(
                    _("This status is not a step of a {category} project."),
                    category=ProjectCategory(category).label,
                ),
            )
        )
    for field in STEP_DATE_FIELDS:
        having = [c for c in LIFECYCLE_STEPS if (c, field) in category_field_statuses]
        if len(having) < len(LIFECYCLE_STEPS):
            constraints.append(
                models.CheckConstraint(
                    condition=Q(category__in=having) | Q(**{f"{field}__isnull": True}),
                    name=f"%(app_label)s_%(class)s_{field}_only_in_lifecycle",
                    violation_error_message=format_lazy(
                        _("Only {categories} projects have a {date}."),
                        categories=format_lazy(
                            " / ".join(["{}"] * len(having)),
                            *[ProjectCategory(c).label for c in having],
                        ),
                        date=_STEP_DATE_LABELS[field],
                    ),
                )
            )
        condition = ~Q(category__in=having) if len(having) < len(LIFECYCLE_STEPS) else Q()
        for category in having:
            reached = category_field_statuses[(category, field)]
            condition |= Q(category=category) & (
                Q(status__in=reached, **{f"{field}__isnull": False})
                | (~Q(status__in=reached) & Q(**{f"{field}__isnull": True}))
            )
        constraints.append(
            models.CheckConstraint(
                condition=condition,
                name=f"%(app_label)s_%(class)s_{field}_matches_status",
                violation_error_message=format_lazy(
                    _("The {date} is filled exactly when the project has reached that step."),
                    date=_STEP_DATE_LABELS[field],
                ),
            )
        )
    for (earlier, later), categories in pairs.items():
        labels = {"later": _STEP_DATE_LABELS[later], "earlier": _STEP_DATE_LABELS[earlier]}
        constraints += [
            models.CheckConstraint(
                condition=~Q(category__in=categories)
                | Q(**{f"{later}__isnull": True})
                | Q(**{f"{earlier}__isnull": False}),
                name=f"%(app_label)s_%(class)s_{later}_needs_{earlier}",
                violation_error_message=format_lazy(
                    _("Fill in the {earlier} before the {later}."), **labels
                ),
            ),
            models.CheckConstraint(
                condition=~Q(category__in=categories)
                | Q(**{f"{later}__isnull": True})
                | Q(**{f"{earlier}__isnull": True})
                | Q(**{f"{earlier}__lte": F(later)}),
                name=f"%(app_label)s_%(class)s_{later}_not_before_{earlier}",
                violation_error_message=format_lazy(
                    _("The {later} cannot be earlier than the {earlier}."), **labels
                ),
            ),
        ]
    return constraints


_STEP_DATE_LABELS = {
    "approved_on": _("approval date"),
    "tendered_on": _("tender date"),
    "contracted_on": _("contract date"),
    "started_on": _("start date"),
    "completed_on": _("completion date"),
    "delivered_on": _("delivery date"),
    "accepted_on": _("acceptance date"),
    "audited_on": _("audit date"),
    "in_use_on": _("date put into use"),
}


def construction_scope_constraints() -> list[models.CheckConstraint]:
    """A construction project (or plan item) has a floor area, a building kind and a work
    type; equipment and IT have none of them."""
    construction = Q(category=ProjectCategory.CONSTRUCTION)
    return [
        models.CheckConstraint(
            condition=(construction & Q(planned_area__isnull=False, planned_area__gt=0))
            | (~construction & Q(planned_area__isnull=True)),
            name="%(app_label)s_%(class)s_construction_has_area",
            violation_error_message=_(
                "A construction project needs a planned floor area above zero; "
                "equipment and IT projects have none."
            ),
        ),
        models.CheckConstraint(
            condition=(construction & ~Q(construction_kind="") & ~Q(work_type=""))
            | (~construction & Q(construction_kind="") & Q(work_type="")),
            name="%(app_label)s_%(class)s_construction_has_kind",
            violation_error_message=_(
                "A construction project needs a building kind and a work type; "
                "equipment and IT projects have neither."
            ),
        ),
    ]


class Project(models.Model):
    """An improvement project (项目) at one school: construction, equipment or IT."""

    DISTRICT_LOOKUP = "school__county"

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
        related_name="projects",
    )
    programme = models.CharField(_("programme"), max_length=16, choices=Programme)
    category = models.CharField(_("category"), max_length=16, choices=ProjectCategory)
    construction_kind = models.CharField(
        _("building kind"), max_length=32, choices=ConstructionKind, blank=True
    )
    work_type = models.CharField(_("work type"), max_length=16, choices=WorkType, blank=True)
    content = models.TextField(_("content"), blank=True)
    plan_year = models.PositiveSmallIntegerField(_("plan year"))
    is_early = models.BooleanField(
        _("implemented early"),
        default=False,
        help_text=_("Carried out in an earlier year than its plan year."),
    )
    planned_area = area_field(_("planned floor area (m²)"), null=True, blank=True)
    planned_amount = money_field(_("planned amount (yuan)"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus, default=ProjectStatus.PLANNED
    )
    approved_on = models.DateField(_STEP_DATE_LABELS["approved_on"], null=True, blank=True)
    tendered_on = models.DateField(_STEP_DATE_LABELS["tendered_on"], null=True, blank=True)
    contracted_on = models.DateField(_STEP_DATE_LABELS["contracted_on"], null=True, blank=True)
    started_on = models.DateField(_STEP_DATE_LABELS["started_on"], null=True, blank=True)
    completed_on = models.DateField(_STEP_DATE_LABELS["completed_on"], null=True, blank=True)
    delivered_on = models.DateField(_STEP_DATE_LABELS["delivered_on"], null=True, blank=True)
    accepted_on = models.DateField(_STEP_DATE_LABELS["accepted_on"], null=True, blank=True)
    audited_on = models.DateField(_STEP_DATE_LABELS["audited_on"], null=True, blank=True)
    in_use_on = models.DateField(_STEP_DATE_LABELS["in_use_on"], null=True, blank=True)
    contractor = models.CharField(_("contractor or supplier"), max_length=200, blank=True)
    supervisor = models.CharField(_("supervising engineer"), max_length=200, blank=True)
    tender_method = models.CharField(
        _("tender method"), max_length=16, choices=TenderMethod, blank=True
    )
    bid_price = money_field(_("winning bid price (yuan)"), null=True, blank=True)

    version = version_field()
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical project"), excluded_fields=["version"])

    class Meta:
        ordering = ["school__county__code", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["category", "status"], name="projects_project_cat_status"),
            models.Index(fields=["plan_year"], name="projects_project_plan_year"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                name="%(app_label)s_%(class)s_unique_code",
                violation_error_message=_("Another project already has this project code."),
            ),
            choices_constraint("programme", Programme),
            choices_constraint("category", ProjectCategory),
            choices_constraint("status", ProjectStatus),
            choices_constraint("construction_kind", ConstructionKind, blank=True),
            choices_constraint("work_type", WorkType, blank=True),
            choices_constraint("tender_method", TenderMethod, blank=True),
            models.CheckConstraint(
                condition=Q(planned_amount__gte=0),
                name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message=_("The planned amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(bid_price__isnull=True) | Q(bid_price__gte=0),
                name="%(app_label)s_%(class)s_bid_price_not_negative",
                violation_error_message=_("The winning bid price cannot be negative."),
            ),
            *construction_scope_constraints(),
            models.CheckConstraint(
                condition=Q(
                    programme=Programme.COMPREHENSIVE,
                    plan_year__gte=PROGRAMME_YEARS[Programme.COMPREHENSIVE][0],
                    plan_year__lte=PROGRAMME_YEARS[Programme.COMPREHENSIVE][1],
                )
                | Q(
                    programme=Programme.CAPACITY,
                    plan_year__gte=PROGRAMME_YEARS[Programme.CAPACITY][0],
                    plan_year__lte=PROGRAMME_YEARS[Programme.CAPACITY][1],
                ),
                name="%(app_label)s_%(class)s_plan_year_in_programme",
                violation_error_message=_(
                    "The plan year lies outside the programme's years "
                    "(2014-2018 for comprehensive improvement, 2021-2025 for capacity building)."
                ),
            ),
            *_lifecycle_constraints(),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("projects:project_detail", args=[self.pk])

    def status_from_dates(self) -> str:
        """The last step of the lifecycle that has a date; planned when none has."""
        status = ProjectStatus.PLANNED
        for step, field in LIFECYCLE_STEPS[self.category]:
            if getattr(self, field) is not None:
                status = step
        return status

    def status_on(self, day) -> str:
        """The status the project had on a day: the last step dated on or before it."""
        status = ProjectStatus.PLANNED
        for step, field in LIFECYCLE_STEPS[self.category]:
            value = getattr(self, field)
            if value is not None and value <= day:
                status = step
        return status

    def lifecycle_steps(self):
        """The steps of this project's lifecycle: (status label, date) in order."""
        return [
            (ProjectStatus(status).label, getattr(self, field))
            for status, field in LIFECYCLE_STEPS[self.category]
        ]


def equipment_line_constraints() -> list[models.CheckConstraint]:
    """An equipment line (of a project, or of a plan item) has a quantity above zero, an
    amount not below zero, and a unit its reporting category is counted in."""
    units = Q()
    for category, allowed in CATEGORY_UNITS.items():
        units |= Q(category=category, unit__in=allowed)
    return [
        models.CheckConstraint(
            condition=Q(quantity__gt=0),
            name="%(app_label)s_%(class)s_quantity_positive",
            violation_error_message=_("The quantity of an equipment line must be above zero."),
        ),
        models.CheckConstraint(
            condition=Q(amount__gte=0),
            name="%(app_label)s_%(class)s_amount_not_negative",
            violation_error_message=_("The amount of an equipment line cannot be negative."),
        ),
        models.CheckConstraint(
            condition=units,
            name="%(app_label)s_%(class)s_unit_fits_category",
            violation_error_message=_(
                "This unit is not used for this category: computers and living facilities "
                "are counted in units, pieces or sets, books in volumes, desks in sets, "
                "digital resources in GB."
            ),
        ),
    ]


class EquipmentLine(models.Model):
    """One line of equipment (设备购置) in an equipment project or inside a construction one."""

    DISTRICT_LOOKUP = "project__school__county"

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="equipment_lines",
    )
    category = models.CharField(_("reporting category"), max_length=16, choices=EquipmentCategory)
    item = models.CharField(_("item"), max_length=200)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit)
    quantity = models.DecimalField(
        _("quantity"), max_digits=AREA_MAX_DIGITS, decimal_places=AREA_DECIMAL_PLACES
    )
    amount = money_field(_("amount (yuan)"))

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical equipment line"))

    class Meta:
        ordering = ["project", "pk"]
        verbose_name = _("equipment line")
        verbose_name_plural = _("equipment lines")
        constraints = equipment_line_constraints()

    def __str__(self):
        return f"{self.item} × {self.quantity:g}"

    def get_absolute_url(self):
        return self.project.get_absolute_url()
