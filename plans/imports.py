"""A plan's projects from .xlsx (see gaibo/imports.py): one row per project.

A row whose project code is already in the plan replaces that project, so a county may download
its plan, correct it in Excel and upload it again. The rules of the city's instruction are not
refusals but flags shown on the plan; a cell that cannot be read, or a school outside the
county, refuses the file.
"""

from dataclasses import replace

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gaibo.forms import WanYuanField
from gaibo.imports import ImportForm, SheetChoiceField, SheetImport
from gaibo.money import wan_text
from plans import services
from plans.choices import SOURCE_FIELDS
from plans.models import PlanItem, PlanItemLine
from projects.choices import ConstructionKind, EquipmentCategory, ProjectCategory, Unit, WorkType
from projects.models import School


class PlanItemImportForm(ImportForm):
    code = forms.CharField(label=gettext_lazy("Project code"), max_length=32)
    name = forms.CharField(label=gettext_lazy("Project name"), max_length=200)
    school = forms.CharField(label=gettext_lazy("School (identification code or name)"))
    category = SheetChoiceField(label=gettext_lazy("Category"), choices=ProjectCategory.choices)
    construction_kind = SheetChoiceField(
        label=gettext_lazy("Building kind"), choices=ConstructionKind.choices, required=False
    )
    work_type = SheetChoiceField(
        label=gettext_lazy("Work type"), choices=WorkType.choices, required=False
    )
    content = forms.CharField(label=gettext_lazy("Content"), required=False)
    plan_year = forms.IntegerField(label=gettext_lazy("Plan year"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(
        label=gettext_lazy("Year of completion"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=gettext_lazy("Empty: the plan year."),
    )
    planned_area = forms.DecimalField(
        label=gettext_lazy("Floor area (m²)"), required=False, min_value=0, decimal_places=2
    )
    planned_amount = WanYuanField(label=gettext_lazy("Planned amount (10,000 yuan)"), min_value=0)
    fund_central = WanYuanField(
        label=gettext_lazy("Central funds (10,000 yuan)"), required=False, min_value=0
    )
    fund_provincial = WanYuanField(
        label=gettext_lazy("Provincial funds (10,000 yuan)"), required=False, min_value=0
    )
    fund_city = WanYuanField(
        label=gettext_lazy("City matching funds (10,000 yuan)"), required=False, min_value=0
    )
    fund_county = WanYuanField(
        label=gettext_lazy("County matching funds (10,000 yuan)"), required=False, min_value=0
    )
    fund_pooled = WanYuanField(
        label=gettext_lazy("Pooled repair funds (10,000 yuan)"), required=False, min_value=0
    )
    fund_other = WanYuanField(
        label=gettext_lazy("Other funds (10,000 yuan)"), required=False, min_value=0
    )
    equipment_category = SheetChoiceField(
        label=gettext_lazy("Equipment category"), choices=EquipmentCategory.choices, required=False
    )
    equipment_item = forms.CharField(
        label=gettext_lazy("Equipment item"), max_length=200, required=False
    )
    equipment_unit = SheetChoiceField(
        label=gettext_lazy("Equipment unit"), choices=Unit.choices, required=False
    )
    equipment_quantity = forms.DecimalField(
        label=gettext_lazy("Equipment quantity"), required=False, min_value=0, decimal_places=2
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean_school(self):
        text = self.cleaned_data["school"].strip()
        schools = list(
            School.objects.visible_to(self.user)
            .filter(county_id=self.plan.county_id)
            .filter(Q(code=text) | Q(name=text))[:2]
        )
        if not schools:
            raise ValidationError(
                _("There is no school “%(school)s” in %(county)s.")
                % {"school": text, "county": self.plan.county.name}
            )
        if len(schools) > 1:
            raise ValidationError(
                _("Several schools are named “%(school)s”; give the identification code.")
                % {"school": text}
            )
        return schools[0]

    def clean(self):
        data = super().clean()
        equipment = [
            data.get(name)
            for name in (
                "equipment_category",
                "equipment_item",
                "equipment_unit",
                "equipment_quantity",
            )
        ]
        if any(equipment) and not all(equipment):
            raise ValidationError(
                _(
                    "An equipment line needs its category, item, unit and quantity (or leave "
                    "all four empty)."
                )
            )
        return data

    def save(self) -> str:
        data = self.cleaned_data
        item = PlanItem.objects.filter(plan=self.plan, code=data["code"]).first() or PlanItem(
            plan=self.plan, code=data["code"]
        )
        replaced = item.pk is not None
        for name in ("name", "school", "category", "content", "plan_year", "planned_area"):
            setattr(item, name, data[name])
        item.construction_kind = data["construction_kind"] or ""
        item.work_type = data["work_type"] or ""
        item.end_year = data["end_year"] or data["plan_year"]
        item.planned_amount = data["planned_amount"]
        for field in SOURCE_FIELDS.values():
            setattr(item, field, data[field] or 0)
        lines = []
        if data["equipment_item"]:
            lines.append(
                PlanItemLine(
                    category=data["equipment_category"],
                    name=data["equipment_item"],
                    unit=data["equipment_unit"],
                    quantity=data["equipment_quantity"],
                    amount=data["planned_amount"],
                )
            )
        removed = list(item.lines.all()) if replaced else []
        services.plan_item_save(
            item=item, lines=lines, removed_lines=removed, acting_user=self.user
        )
        message = (
            _("Replaces %(code)s %(name)s, %(amount)s (10,000 yuan)")
            if replaced
            else _("New project %(code)s %(name)s, %(amount)s (10,000 yuan)")
        )
        return message % {
            "code": item.code,
            "name": item.name,
            "amount": wan_text(item.planned_amount),
        }


def _template_rows(plan):
    def rows(user):
        result = []
        for item in plan.items.select_related("school").prefetch_related("lines"):
            line = next(iter(item.lines.all()), None)
            result.append(
                [
                    item.code,
                    item.name,
                    item.school.code,
                    item.get_category_display(),
                    item.get_construction_kind_display(),
                    item.get_work_type_display(),
                    item.content,
                    item.plan_year,
                    item.end_year,
                    item.planned_area,
                    item.planned_amount / 10000,
                    *[getattr(item, field) / 10000 for field in SOURCE_FIELDS.values()],
                    line.get_category_display() if line else "",
                    line.name if line else "",
                    line.get_unit_display() if line else "",
                    line.quantity if line else None,
                ]
            )
        return result

    return rows


PLAN_ITEMS = SheetImport(
    kind="plans.items", title=gettext_lazy("Plan projects"), form_class=PlanItemImportForm
)


def plan_sheet(plan) -> SheetImport:
    """The import of one plan's projects (the batch is kept per plan)."""
    return replace(
        PLAN_ITEMS,
        kind=f"plans.items.{plan.pk}",
        form_kwargs={"plan": plan},
        template_rows=_template_rows(plan),
    )
