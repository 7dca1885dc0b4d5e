from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gaibo.choices import (
    ALLOCATION_ROLES,
    FUND_CONFIRMER_ROLES,
    PAYMENT_ROLES,
    PROJECT_EDITOR_ROLES,
    RECTIFIER_ROLES,
    REPORT_REVIEWER_ROLES,
    REPORTER_ROLES,
    ROLE_LEVELS,
    SUPERVISOR_ROLES,
    Role,
)
from gaibo.constraints import choices_constraint
from projects.choices import DistrictLevel


class GaiboUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A bureau user: a role, and the node of the district tree whose subtree it sees."""

    role = models.CharField(_("role"), max_length=32, choices=Role, default=Role.COUNTY_EDUCATION)
    district = models.ForeignKey(
        "projects.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )

    objects = GaiboUserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            choices_constraint("role", Role),
            models.CheckConstraint(
                condition=Q(role=Role.ADMINISTRATOR) | Q(district__isnull=False),
                name="%(app_label)s_%(class)s_district_required",
                violation_error_message=_(
                    "Every user except an administrator belongs to a district."
                ),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("admin:gaibo_user_change", args=[self.pk])

    def clean(self):
        super().clean()
        level = ROLE_LEVELS.get(self.role)
        if level and self.district_id and self.district.level != level:
            raise ValidationError(
                {
                    "district": _("A user with the role “%(role)s” belongs to a %(level)s.")
                    % {"role": self.get_role_display(), "level": DistrictLevel(level).label}
                }
            )

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or (self.role == Role.ADMINISTRATOR and not self.district_id)

    def _has_role_in(self, roles) -> bool:
        return self.is_active and (self.is_superuser or self.role in roles)

    @property
    def can_edit_projects(self) -> bool:
        return self._has_role_in(PROJECT_EDITOR_ROLES)

    @property
    def can_record_allocations(self) -> bool:
        return self._has_role_in(ALLOCATION_ROLES)

    @property
    def can_record_payments(self) -> bool:
        return self._has_role_in(PAYMENT_ROLES)

    @property
    def can_supervise(self) -> bool:
        """Log supervision visits, raise findings and verify rectification."""
        return self._has_role_in(SUPERVISOR_ROLES)

    @property
    def can_enter_reports(self) -> bool:
        """Enter and submit the county's monthly report (the education bureau)."""
        return self._has_role_in(REPORTER_ROLES)

    @property
    def can_confirm_reports(self) -> bool:
        """Confirm the fund part of the county's monthly report (the finance bureau)."""
        return self._has_role_in(FUND_CONFIRMER_ROLES)

    @property
    def can_review_reports(self) -> bool:
        """Approve, return and reopen the counties' reports; grant deadline exceptions."""
        return self._has_role_in(REPORT_REVIEWER_ROLES)

    def can_answer(self, finding) -> bool:
        """Answer a finding: the education bureau of the county it is addressed to."""
        return (
            self.is_active
            and self.role in RECTIFIER_ROLES
            and self.district_id is not None
            and self.district_id == finding.responsible_county_id
        )


class ImportBatch(models.Model):
    """An uploaded .xlsx file: kept between its preview and its confirmation, and afterwards
    as the record of who imported what and when (see gaibo/imports.py)."""

    kind = models.CharField(_("kind of import"), max_length=32)
    uploaded_by = models.ForeignKey(
        "gaibo.User",
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("file"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # What the rows were checked against at the preview; the confirmation needs it unchanged.
    snapshot = models.CharField(_("snapshot"), max_length=64, blank=True)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.file_name} ({self.uploaded_by})"


class ApiToken(models.Model):
    """A key for a program (the provincial platform) to read the dashboard's JSON as a user:
    it sees what that user sees. Only a hash of the key is kept; the key is shown once, when
    it is issued (`manage.py api_token issue`)."""

    user = models.ForeignKey(
        "gaibo.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("used by"), max_length=100)
    prefix = models.CharField(_("key begins"), max_length=16)
    key_hash = models.CharField(_("hash of the key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="%(app_label)s_%(class)s_name_not_blank",
                violation_error_message=_("Say who uses the key."),
            ),
        ]

    def __str__(self):
        return f"{self.prefix}… {self.name} ({self.user})"


class DataVersion(models.Model):
    """One row holding the data version (gaibo/data_version.py), a random token every commit
    that changes data replaces: a page kept in the cache is used only under its token."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="%(app_label)s_%(class)s_one_row"),
        ]

    def __str__(self):
        return self.token
