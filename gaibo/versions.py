"""Optimistic locking: two people editing one record at once.

A record that people edit through forms carries a version (`version_field`), raised by every
save. Its form sends back, hidden, the version the user loaded (`gaibo.forms.VersionedForm`);
the save locks the row and refuses when the version has moved on since (`refuse_if_changed`,
called by `gaibo.services.validated_save`), telling who saved in between and when. Nothing
is silently overwritten, and the refused user's input stays on the form.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def version_field() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(gettext_lazy("version"), default=1, editable=False)


def is_versioned(instance: models.Model) -> bool:
    return any(field.name == "version" for field in instance._meta.concrete_fields)


def refuse_if_changed(instance: models.Model, loaded_version: int) -> int:
    """Lock the record's row; refuse when its version is no longer the one the user loaded.
    Returns the current version."""
    model = type(instance)
    # Only this row (`of`), and no ordering: a model ordered through its relations (a project
    # by its county's code) would join them and lock them too, the county before the funding
    # services could take it first (see funding.services.lock_counties).
    current = (
        model._default_manager.select_for_update(of=("self",)).filter(pk=instance.pk).order_by()
    )
    version = current.values_list("version", flat=True).first()
    if version is None:
        raise ValidationError(
            _("Somebody deleted this after you opened the page; nothing was saved."),
            code="deleted",
        )
    if version != loaded_version:
        raise ValidationError(stale_message(instance), code="stale")
    return version


def last_saved(instance: models.Model) -> dict:
    """Who saved the record last, and when: from its change history, for the messages that
    refuse a save."""
    return saved_by(instance.history.order_by("-history_date").first())


def saved_by(record) -> dict:
    """Who made a change of the history, and when (today's hour, or the day and hour)."""
    who = (record.history_user if record else None) or "—"
    when = "—"
    if record:
        moment = timezone.localtime(record.history_date)
        when = moment.strftime(
            "%H:%M" if moment.date() == timezone.localdate() else "%Y-%m-%d %H:%M"
        )
    return {"user": who, "time": when}


def stale_message(instance: models.Model) -> str:
    return _(
        "%(user)s saved this at %(time)s, after you opened the page; your changes were not "
        "saved. Reload the page to see theirs, then make your changes again."
    ) % last_saved(instance)
