"""Choices of the supervision app (督导), named after ../shared/DOMAIN.md, "Supervision"."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    ON_SITE = "on_site", _("On-site supervision")
    WRITTEN = "written", _("Written supervision")


class TeamUnit(models.TextChoices):
    """The units a supervision team (督导组) draws its members from."""

    INSPECTION_OFFICE = "inspection_office", _("Inspection office")
    SUPERVISION_OFFICE = "supervision_office", _("Education supervision office")
    EDUCATION = "education", _("Education bureau")
    FINANCE = "finance", _("Finance bureau")


class CheckArea(models.TextChoices):
    """The five areas a visit checks, in the order of the opinion letter."""

    APPROVAL = "approval", _("Approval procedures")
    CONSTRUCTION = "construction", _("Construction safety and quality")
    ACCEPTANCE = "acceptance", _("Acceptance")
    FUNDS = "funds", _("Fund use")
    ARCHIVES = "archives", _("Archives")


class CheckOutcome(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked yet")
    PASSED = "passed", _("Passed")
    PROBLEM = "problem", _("Problem")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")


class FindingStatus(models.TextChoices):
    """The rectification (整改) of a finding, from open to closed."""

    OPEN = "open", _("Awaiting rectification")
    IN_PROGRESS = "in_progress", _("Rectification in progress")
    SUBMITTED = "submitted", _("Evidence submitted")
    VERIFIED = "verified", _("Rectification verified")
    CLOSED = "closed", _("Finding closed")


class FindingAction(models.TextChoices):
    """What happened to a finding: each event of its rectification record."""

    RAISED = "raised", _("Problem raised")
    STARTED = "started", _("Rectification begun")
    SUBMITTED = "submitted", _("Evidence sent")
    VERIFIED = "verified", _("Verification passed")
    REJECTED = "rejected", _("Verification not passed")
    CLOSED = "closed", _("Closed off")


# The transitions of a rectification: (action, from status, to status). A finding moves only
# along these; `finding_raise` creates it open, with no "from".
TRANSITIONS = {
    FindingAction.STARTED: ((FindingStatus.OPEN,), FindingStatus.IN_PROGRESS),
    FindingAction.SUBMITTED: ((FindingStatus.IN_PROGRESS,), FindingStatus.SUBMITTED),
    FindingAction.VERIFIED: ((FindingStatus.SUBMITTED,), FindingStatus.VERIFIED),
    FindingAction.REJECTED: ((FindingStatus.SUBMITTED,), FindingStatus.IN_PROGRESS),
    FindingAction.CLOSED: ((FindingStatus.VERIFIED,), FindingStatus.CLOSED),
}

# A finding is open (still to be rectified) until the team has verified it; an open finding
# past its deadline is overdue.
UNRESOLVED_STATUSES = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS, FindingStatus.SUBMITTED)
