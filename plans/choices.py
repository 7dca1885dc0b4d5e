"""Choices of the plans app: plans, their review, change requests (see ../shared/DOMAIN.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from funding.choices import FundLevel


class PlanKind(models.TextChoices):
    FIVE_YEAR = "five_year", _("Five-year plan")
    ANNUAL = "annual", _("Annual plan")


class PlanState(models.TextChoices):
    """县级编制 → 盟市审核 → 省级审定."""

    DRAFT = "draft", _("Being compiled")
    SUBMITTED = "submitted", _("Submitted, with the city")
    RETURNED = "returned", _("Returned to the county")
    CITY_APPROVED = "city_approved", _("Reviewed by the city, with the province")
    APPROVED = "approved", _("Approved by the province")


# The county may change the plan's projects only in these states.
EDITABLE_PLAN_STATES = frozenset({PlanState.DRAFT, PlanState.RETURNED})


class PlanAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    RETURN = "return", _("Returned")
    CITY_APPROVE = "city_approve", _("Approved by the city")
    APPROVE = "approve", _("Approved by the province")


class FlagSeverity(models.TextChoices):
    """A blocking flag stops the county from submitting; a warning is for the reviewers."""

    BLOCKING = "blocking", _("Must be fixed")
    WARNING = "warning", _("For the reviewers")


class ChangeKind(models.TextChoices):
    VALUE = "value", _("Amount (value)")
    DURATION = "duration", _("Duration")
    SCOPE = "scope", _("Scope")  # with the project's name


class ChangeState(models.TextChoices):
    PENDING = "pending", _("Awaiting the city")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn by the county")


# The plan item's field holding the planned amount of each fund source (资金来源明确具体).
SOURCE_FIELDS = {
    FundLevel.CENTRAL: "fund_central",
    FundLevel.PROVINCIAL: "fund_provincial",
    FundLevel.CITY: "fund_city",
    FundLevel.COUNTY: "fund_county",
    FundLevel.POOLED: "fund_pooled",
    FundLevel.OTHER: "fund_other",
}
# Their labels, in 万元: on the forms, in the Excel template, in a change request's rows.
SOURCE_LABELS = {
    "fund_central": _("Central funds (10,000 yuan)"),
    "fund_provincial": _("Provincial funds (10,000 yuan)"),
    "fund_city": _("City matching funds (10,000 yuan)"),
    "fund_county": _("County matching funds (10,000 yuan)"),
    "fund_pooled": _("Pooled repair funds (10,000 yuan)"),
    "fund_other": _("Other funds (10,000 yuan)"),
}


# Who does what with a plan (县级编制、盟市审核、省级审定) and with change requests. Role values
# of gaibo.choices.Role; an administrator (or superuser) may do everything.
PLAN_COMPILER_ROLES = frozenset({"county_education", "administrator"})
PLAN_REVIEWER_ROLES = frozenset({"city", "administrator"})
PLAN_APPROVER_ROLES = frozenset({"province", "administrator"})
