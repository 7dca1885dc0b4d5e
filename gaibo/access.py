"""The access rule: a user sees the subtree of the district tree it belongs to, nothing else.

Every model that hangs off the district tree gets its queryset from `ScopedQuerySet`, and names
the path from itself to its county (or district) in `DISTRICT_LOOKUP`. Every list, detail,
form, export, import and admin page asks `Model.objects.visible_to(user)`; anything outside
answers 404 because it is simply not in that queryset.
"""

from django.apps import apps
from django.db import models
from django.db.models import Q


def district_subtree(district_id):
    """The district and every node below it (the tree is province → city → county)."""
    District = apps.get_model("projects", "District")
    return District.objects.filter(
        Q(pk=district_id) | Q(parent_id=district_id) | Q(parent__parent_id=district_id)
    )


def visible_ancestors(user, district) -> list:
    """The districts above one (its parent and grandparent) that the user sees, from the top.
    A user's own district has none but for those who see everything: no query for it."""
    District = apps.get_model("projects", "District")
    if district.parent_id is None or (not user.sees_everything and district.pk == user.district_id):
        return []
    # The parent, and the district with the parent among its children (the join on the
    # children repeats a row once per child: distinct).
    ancestors = (
        District.objects.visible_to(user)
        .filter(Q(pk=district.parent_id) | Q(children=district.parent_id))
        .distinct()
    )
    return sorted(ancestors, key=lambda node: node.parent_id is not None)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self.all()
        if user.district_id is None:
            return self.none()
        lookup = self.model.DISTRICT_LOOKUP
        subtree = district_subtree(user.district_id).values("pk")
        return self.filter(**{f"{lookup}__in" if lookup else "pk__in": subtree})
