from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    """Where a county's report of a period stands (联合上报: education, then finance, then city)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting finance")
    CONFIRMED = "confirmed", _("Confirmed by finance, with the city")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


# The county education bureau may change the figures only in these states.
EDITABLE_STATES = frozenset({ReportState.DRAFT, ReportState.RETURNED})


class ReportAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    CONFIRM = "confirm", _("Confirmed the fund figures")
    RETURN = "return", _("Returned")
    APPROVE = "approve", _("Approved")
    REOPEN = "reopen", _("Reopened")


class Half(models.IntegerChoices):
    """A monthly report covers the whole month; the half-monthly table (半月调度) a half."""

    WHOLE = 0, _("Whole month")
    FIRST = 1, _("1st to 15th")
    SECOND = 2, _("16th to month end")
