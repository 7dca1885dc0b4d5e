from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gaibo.access import ScopedQuerySet
from gaibo.constraints import choices_constraint
from inspections.choices import (
    CheckArea,
    CheckOutcome,
    FindingAction,
    FindingStatus,
    Severity,
    TeamUnit,
    VisitKind,
)
from projects.choices import DistrictLevel


class ChecklistItem(models.Model):
    """An item of the supervision checklist, kept by the city in the admin.

    A visit copies the active items' text when it is logged, so that changing the checklist
    later leaves the visits already made as they were.
    """

    area = models.CharField(_("area"), max_length=16, choices=CheckArea)
    text = models.CharField(_("item text"), max_length=300)
    order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Items are listed by area, then by this number.")
    )
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Only items in use are copied into new visits.")
    )

    history = HistoricalRecords(verbose_name=_("historical checklist item"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            choices_constraint("area", CheckArea),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="%(app_label)s_%(class)s_text_not_blank",
                violation_error_message=_("A checklist item needs a text."),
            ),
        ]

    def __str__(self):
        return f"{self.get_area_display()}: {self.text}"

    def get_absolute_url(self):
        return reverse("admin:inspections_checklistitem_change", args=[self.pk])


class VisitQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """A visit hangs off several counties: it is visible when any of them is in the user's
        subtree (the same rule, through its counties), and it is listed once."""
        if user.is_authenticated and user.is_active and user.sees_everything:
            return self.all()
        return self.filter(pk__in=VisitCounty.objects.visible_to(user).values("visit_id"))


class Visit(models.Model):
    """A supervision visit (督导), on-site or written, by a team, to counties, schools and
    projects; it checks the five areas and ends with an opinion and findings."""

    DISTRICT_LOOKUP = "counties"

    kind = models.CharField(
        _("kind of supervision"), max_length=16, choices=VisitKind, default=VisitKind.ON_SITE
    )
    visited_on = models.DateField(_("date of the visit"))
    counties = models.ManyToManyField(
        "projects.District",
        verbose_name=_("counties"),
        through="inspections.VisitCounty",
        related_name="visits",
    )
    schools = models.ManyToManyField(
        "projects.School",
        verbose_name=_("schools"),
        through="inspections.VisitSchool",
        related_name="visits",
        blank=True,
    )
    projects = models.ManyToManyField(
        "projects.Project",
        verbose_name=_("projects"),
        through="inspections.VisitProject",
        related_name="visits",
        blank=True,
    )
    summary = models.TextField(_("summary"), blank=True)
    opinion = models.TextField(
        _("opinion"),
        blank=True,
        help_text=_("The team's opinion, printed in the opinion letter (督导意见书)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="supervision_visits",
    )
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)

    objects = VisitQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical supervision visit"))

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        indexes = [
            models.Index(fields=["visited_on", "kind"], name="inspections_visit_date_kind"),
        ]
        constraints = [choices_constraint("kind", VisitKind)]

    def __str__(self):
        return f"{self.visited_on:%Y-%m-%d} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("inspections:visit_detail", args=[self.pk])


class VisitCounty(models.Model):
    """A county a visit covers; the visit's place in the district tree."""

    DISTRICT_LOOKUP = "county"

    visit = models.ForeignKey(
        "inspections.Visit",
        verbose_name=_("supervision visit"),
        on_delete=models.CASCADE,
        related_name="county_links",
    )
    county = models.ForeignKey(
        "projects.District",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="visit_links",
        limit_choices_to={"level": DistrictLevel.COUNTY},
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["visit", "county__code"]
        verbose_name = _("county visited")
        verbose_name_plural = _("counties visited")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "county"],
                name="%(app_label)s_%(class)s_unique_county",
                violation_error_message=_("This county is already part of the visit."),
            ),
        ]

    def __str__(self):
        return str(self.county)

    def get_absolute_url(self):
        return self.visit.get_absolute_url()


class VisitSchool(models.Model):
    DISTRICT_LOOKUP = "school__county"

    visit = models.ForeignKey(
        "inspections.Visit",
        verbose_name=_("supervision visit"),
        on_delete=models.CASCADE,
        related_name="school_links",
    )
    school = models.ForeignKey(
        "projects.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="visit_links",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["visit", "school__code"]
        verbose_name = _("school visited")
        verbose_name_plural = _("schools visited")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "school"],
                name="%(app_label)s_%(class)s_unique_school",
                violation_error_message=_("This school is already part of the visit."),
            ),
        ]

    def __str__(self):
        return str(self.school)

    def get_absolute_url(self):
        return self.visit.get_absolute_url()


class VisitProject(models.Model):
    DISTRICT_LOOKUP = "project__school__county"

    visit = models.ForeignKey(
        "inspections.Visit",
        verbose_name=_("supervision visit"),
        on_delete=models.CASCADE,
        related_name="project_links",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="visit_links",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["visit", "project__code"]
        verbose_name = _("project visited")
        verbose_name_plural = _("projects visited")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "project"],
                name="%(app_label)s_%(class)s_unique_project",
                violation_error_message=_("This project is already part of the visit."),
            ),
        ]

    def __str__(self):
        return str(self.project)

    def get_absolute_url(self):
        return self.visit.get_absolute_url()


class TeamMember(models.Model):
    """A member of a visit's team (督导组) and the unit they come from."""

    visit = models.ForeignKey(
        "inspections.Visit",
        verbose_name=_("supervision visit"),
        on_delete=models.CASCADE,
        related_name="team_members",
    )
    name = models.CharField(_("full name"), max_length=64)
    unit = models.CharField(_("their unit"), max_length=32, choices=TeamUnit)
    is_leader = models.BooleanField(_("team leader"), default=False)

    class Meta:
        ordering = ["visit", "-is_leader", "pk"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            choices_constraint("unit", TeamUnit),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="%(app_label)s_%(class)s_name_not_blank",
                violation_error_message=_("A team member needs a name."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_unit_display()})"

    def get_absolute_url(self):
        return self.visit.get_absolute_url()


class CheckResult(models.Model):
    """One checklist item of one visit, its text copied from the checklist, and its outcome."""

    visit = models.ForeignKey(
        "inspections.Visit",
        verbose_name=_("supervision visit"),
        on_delete=models.CASCADE,
        related_name="check_results",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    area = models.CharField(_("area"), max_length=16, choices=CheckArea)
    text = models.CharField(_("checklist item"), max_length=300)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=CheckOutcome, default=CheckOutcome.UNCHECKED
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords(verbose_name=_("historical checklist result"))

    class Meta:
        ordering = ["visit", "position"]
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        constraints = [
            choices_constraint("area", CheckArea),
            choices_constraint("outcome", CheckOutcome),
            models.UniqueConstraint(
                fields=["visit", "position"],
                name="%(app_label)s_%(class)s_unique_position",
                violation_error_message=_("Two checklist results of a visit share a position."),
            ),
            models.CheckConstraint(
                condition=~Q(outcome=CheckOutcome.PROBLEM) | ~Q(note=""),
                name="%(app_label)s_%(class)s_problem_has_note",
                violation_error_message=_("Describe the problem found in the note."),
            ),
        ]

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return f"{self.visit.get_absolute_url()}#check-{self.pk}"


class Finding(models.Model):
    """A problem found by a visit (问题), addressed to a county, to be rectified by a deadline."""

    DISTRICT_LOOKUP = "responsible_county"

    visit = models.ForeignKey(
        "inspections.Visit",
        verbose_name=_("supervision visit"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    check_result = models.ForeignKey(
        "inspections.CheckResult",
        verbose_name=_("checklist item"),
        on_delete=models.PROTECT,
        related_name="findings",
        null=True,
        blank=True,
        help_text=_("The checklist item where the problem was found, if any."),
    )
    responsible_county = models.ForeignKey(
        "projects.District",
        verbose_name=_("responsible county"),
        on_delete=models.PROTECT,
        related_name="findings",
        limit_choices_to={"level": DistrictLevel.COUNTY},
    )
    school = models.ForeignKey(
        "projects.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="findings",
        null=True,
        blank=True,
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="findings",
        null=True,
        blank=True,
    )
    description = models.TextField(_("problem found"))
    requirement = models.TextField(_("rectification required"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity, default=Severity.MINOR
    )
    responsible_unit = models.CharField(
        _("responsible unit"),
        max_length=100,
        help_text=_("The unit that carries out the rectification, e.g. 盖州市教育局."),
    )
    deadline = models.DateField(_("rectification deadline"))
    status = models.CharField(
        _("rectification status"),
        max_length=16,
        choices=FindingStatus,
        default=FindingStatus.OPEN,
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="findings_raised",
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            models.Index(fields=["status", "deadline"], name="inspections_finding_status_dl"),
        ]
        constraints = [
            choices_constraint("severity", Severity),
            choices_constraint("status", FindingStatus),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="%(app_label)s_%(class)s_description_not_blank",
                violation_error_message=_("Describe the problem found."),
            ),
            models.CheckConstraint(
                condition=~Q(responsible_unit=""),
                name="%(app_label)s_%(class)s_responsible_unit_not_blank",
                violation_error_message=_("Name the unit responsible for the rectification."),
            ),
        ]

    def __str__(self):
        return f"{self.responsible_county} · {self.description[:40]}"

    def get_absolute_url(self):
        return reverse("inspections:finding_detail", args=[self.pk])

    def clean(self):
        """The finding fits its visit: its county was visited, its deadline is not before the
        visit, and its checklist item, school and project belong to that visit and county."""
        super().clean()
        errors = {}
        visit = self.visit if self.visit_id else None
        if visit is not None and self.deadline and self.deadline < visit.visited_on:
            errors["deadline"] = _(
                "The rectification deadline cannot be before the date of the visit (%(date)s)."
            ) % {"date": f"{visit.visited_on:%Y-%m-%d}"}
        if (
            visit is not None
            and visit.pk
            and self.responsible_county_id
            and not visit.county_links.filter(county_id=self.responsible_county_id).exists()
        ):
            errors["responsible_county"] = _("This county was not part of the visit.")
        if self.check_result_id and visit is not None and self.check_result.visit_id != visit.pk:
            errors["check_result"] = _("This checklist item belongs to another visit.")
        if (
            self.school_id
            and self.responsible_county_id
            and self.school.county_id != self.responsible_county_id
        ):
            errors["school"] = _("This school is not in the responsible county.")
        if (
            self.project_id
            and self.responsible_county_id
            and self.project.school.county_id != self.responsible_county_id
        ):
            errors["project"] = _("This project is not in the responsible county.")
        if errors:
            raise ValidationError(errors)


class FindingEvent(models.Model):
    """One step of a finding's rectification record: who did what, when, from which status to
    which, with their words (the evidence, or the reason a rectification was not accepted)."""

    DISTRICT_LOOKUP = "finding__responsible_county"

    finding = models.ForeignKey(
        "inspections.Finding",
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=16, choices=FindingAction)
    from_status = models.CharField(
        _("from status"), max_length=16, choices=FindingStatus, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=16, choices=FindingStatus)
    comment = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting user"),
        on_delete=models.PROTECT,
        related_name="finding_events",
    )
    at = models.DateTimeField(_("time of the step"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["finding", "at", "pk"]
        verbose_name = _("rectification record")
        verbose_name_plural = _("rectification records")
        constraints = [
            choices_constraint("action", FindingAction),
            choices_constraint("from_status", FindingStatus, blank=True),
            choices_constraint("to_status", FindingStatus),
            models.CheckConstraint(
                condition=Q(from_status="") | ~Q(from_status=F("to_status")),
                name="%(app_label)s_%(class)s_status_changes",
                violation_error_message=_("A rectification step changes the status."),
            ),
            models.CheckConstraint(
                condition=~Q(action=FindingAction.SUBMITTED) | ~Q(comment=""),
                name="%(app_label)s_%(class)s_submission_has_evidence",
                violation_error_message=_("Describe what was done to rectify the problem."),
            ),
            models.CheckConstraint(
                condition=~Q(action=FindingAction.REJECTED) | ~Q(comment=""),
                name="%(app_label)s_%(class)s_rejection_has_reason",
                violation_error_message=_("Give the reason the rectification is not accepted."),
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return f"{self.finding.get_absolute_url()}#event-{self.pk}"


class Photo(models.Model):
    """A photo, resized, with its thumbnail and the time and place the camera recorded."""

    image = models.FileField(_("photo"), max_length=255, upload_to="inspections/%Y/%m/")
    thumbnail = models.FileField(_("thumbnail"), max_length=255, upload_to="inspections/%Y/%m/")
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="%(app_label)s_%(class)s_place_on_earth",
                violation_error_message=_(
                    "A photo's place has both a latitude (-90 to 90) and a longitude "
                    "(-180 to 180), or neither."
                ),
            ),
        ]

    def __str__(self):
        return self.caption or self.image.name.rsplit("/", 1)[-1]

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class VisitPhotoQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Visible with its visit; a photo of a finding only to those who see the finding."""
        return self.filter(
            Q(finding__isnull=True) | Q(finding__in=Finding.objects.visible_to(user)),
            visit__in=Visit.objects.visible_to(user),
        )


class VisitPhoto(Photo):
    """A site photo taken during a visit, perhaps of one of its findings."""

    DISTRICT_LOOKUP = "visit__counties"

    visit = models.ForeignKey(
        "inspections.Visit",
        verbose_name=_("supervision visit"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    finding = models.ForeignKey(
        "inspections.Finding",
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        related_name="photos",
        null=True,
        blank=True,
    )

    objects = VisitPhotoQuerySet.as_manager()

    class Meta(Photo.Meta):
        verbose_name = _("site photo")
        verbose_name_plural = _("site photos")

    def get_absolute_url(self):
        return reverse("inspections:visit_photo", args=[self.pk])

    def get_thumbnail_url(self):
        return reverse("inspections:visit_photo_thumbnail", args=[self.pk])


class EvidencePhoto(Photo):
    """A photo a county sent as evidence of its rectification."""

    DISTRICT_LOOKUP = "event__finding__responsible_county"

    event = models.ForeignKey(
        "inspections.FindingEvent",
        verbose_name=_("rectification record"),
        on_delete=models.PROTECT,
        related_name="photos",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta(Photo.Meta):
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")

    def get_absolute_url(self):
        return reverse("inspections:evidence_photo", args=[self.pk])

    def get_thumbnail_url(self):
        return reverse("inspections:evidence_photo_thumbnail", args=[self.pk])
