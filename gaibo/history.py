"""Change history (who, when, before, after) read from django-simple-history's records."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

OUTSIDE = _("(outside your district)")
ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""


def history_entries(own, *parts, user) -> list[HistoryEntry]:
    """The history of an object and its parts, newest first, each change with before and after.

    Each argument is a queryset of historical records (`Model.history.filter(...)`): first the
    object's own (or None), then those of its parts (an equipment line of a project), whose
    entries also name the part. Records of one object are compared with the one before;
    values are shown as a user reads them, and objects outside the user's district are not
    named.
    """
    entries = []
    for queryset in (own, *parts):
        if queryset is None:
            continue
        names_part = queryset is not own
        rows = list(queryset.select_related("history_user").order_by("history_date", "pk"))
        model = queryset.model.instance_type
        labels = _related_labels(model, rows, user)
        previous = {}
        for record in rows:
            before = previous.get(record.id)
            changes = []
            if before is not None and record.history_type == "~":
                delta = record.diff_against(before)
                for change in delta.changes:
                    model_field = model._meta.get_field(change.field)
                    changes.append(
                        Change(
                            label=str(model_field.verbose_name),
                            old=_display(model_field, change.old, labels),
                            new=_display(model_field, change.new, labels),
                        )
                    )
            previous[record.id] = record
            if record.history_type == "~" and before is not None and not changes:
                continue
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=str(record.history_user) if record.history_user else "—",
                    action=str(ACTIONS.get(record.history_type, record.history_type)),
                    subject=(
                        f"{model._meta.verbose_name} {record.instance}"
                        if names_part
                        else str(model._meta.verbose_name)
                    ),
                    changes=changes,
                    reason=record.history_change_reason or "",
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _related_labels(model, records, user) -> dict:
    """The names of the objects the foreign keys of these records point to, one query each;
    only those the user may see."""
    wanted = defaultdict(set)
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, models.ForeignKey):
            for record in records:
                value = getattr(record, model_field.attname)
                if value is not None:
                    wanted[model_field].add(value)
    labels = {}
    for model_field, pks in wanted.items():
        related = model_field.related_model._default_manager.all()
        if hasattr(related, "visible_to"):
            related = related.visible_to(user)
        for pk, obj in related.in_bulk(pks).items():
            labels[(model_field.name, pk)] = str(obj)
    return labels


def _display(model_field, value, labels) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(model_field, models.ForeignKey):
        return labels.get((model_field.name, value), str(OUTSIDE))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    return str(value)
