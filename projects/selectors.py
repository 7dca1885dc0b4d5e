"""Reads of districts, schools and projects: always through the access rule."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.functions import Coalesce

from gaibo.history import history_entries
from projects.choices import DistrictLevel, ProjectCategory
from projects.models import District, EquipmentLine, Project, School


def counties_visible_to(*, user):
    return District.objects.visible_to(user).filter(level=DistrictLevel.COUNTY).order_by("code")


def schools_visible_to(*, user):
    """The schools a user may see, by county and name, as a form's choices want them."""
    return School.objects.visible_to(user).select_related("county").order_by("county__code", "name")


def school_list(*, user):
    """The school register: every visible school with its number of projects."""
    return (
        schools_visible_to(user=user)
        .annotate(project_count=Count("projects"))
        .order_by("county__code", "code")
    )


def projects_visible_to(*, user):
    return Project.objects.visible_to(user).select_related("school", "school__county")


def project_totals(projects) -> dict:
    """Count, planned amount and planned construction area of a queryset of projects."""
    zero = Decimal(0)
    return projects.aggregate(
        count=Count("pk"),
        planned_amount=Coalesce(Sum("planned_amount"), zero, output_field=DecimalField()),
        planned_area=Coalesce(
            Sum("planned_area", filter=Q(category=ProjectCategory.CONSTRUCTION)),
            zero,
            output_field=DecimalField(),
        ),
    )


def equipment_lines_of(*, project):
    return project.equipment_lines.order_by("pk")


def equipment_totals(lines) -> dict:
    return lines.aggregate(
        amount=Coalesce(Sum("amount"), Decimal(0), output_field=DecimalField()),
    )


def school_history(*, school, user):
    return history_entries(School.history.filter(id=school.pk), user=user)


def project_history(*, project, user):
    return history_entries(
        Project.history.filter(id=project.pk),
        EquipmentLine.history.filter(project_id=project.pk),
        user=user,
    )
