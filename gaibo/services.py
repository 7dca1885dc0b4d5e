"""Shared pieces of the write path every app's services use."""

from django.db import models


def validated_save(instance: models.Model, *, acting_user) -> models.Model:
    """Check every field and constraint, then save, with the acting user in the history."""
    instance.full_clean()
    instance._history_user = acting_user
    instance.save()
    return instance


def recorded_delete(instance: models.Model, *, acting_user) -> None:
    """Delete, with the acting user in the history record of the deletion."""
    instance._history_user = acting_user
    instance.delete()
