"""Shared pieces of the write path every app's services use."""

from django.db import models

from gaibo.versions import is_versioned, refuse_if_changed


def validated_save(instance: models.Model, *, acting_user) -> models.Model:
    """Check every field and constraint, then save, with the acting user in the history.

    A versioned record (gaibo.versions) is saved only from its current version, which the save
    raises; call this inside the service's transaction, so that the row stays locked."""
    instance.full_clean()
    if instance.pk and is_versioned(instance):
        instance.version = refuse_if_changed(instance, instance.version) + 1
    instance._history_user = acting_user
    instance.save()
    return instance


def recorded_delete(instance: models.Model, *, acting_user) -> None:
    """Delete, with the acting user in the history record of the deletion."""
    instance._history_user = acting_user
    instance.delete()
