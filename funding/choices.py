from django.db import models
from django.utils.translation import gettext_lazy as _


class FundLevel(models.TextChoices):
    """Where money comes from (资金来源). Borrowing in a school's name is never a source."""

    CENTRAL = "central", _("Central")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City matching")
    COUNTY = "county", _("County matching")
    POOLED = "pooled", _("Pooled repair funds")
    OTHER = "other", _("Other")
