"""Constraint builders shared by the apps' models."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def choices_constraint(field: str, choices, *, blank: bool = False) -> models.CheckConstraint:
    """The column holds one of its choices (or nothing, where blank is allowed), whoever writes
    it: a form checks the same, but raw SQL and bulk writes go only through the database."""
    values = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": values}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
        violation_error_message=_("A value is not one of its listed choices."),
    )
