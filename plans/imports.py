"""A plan's projects from .xlsx (see gaibo/imports.py): a row per project, and a row per further
equipment line of a project.

A project takes one row: its columns and its first equipment line. Each further equipment line
of it is a row of its own holding the project code and the equipment columns, the project's
other columns left empty (or the same as on its first row). The downloaded template is written
the same way, so a county may download its plan, correct it in Excel and upload it again: a
project whose code is in the plan is changed, with its equipment lines in their order (the
first line of the file changes the first line of the plan …), and a file that changes nothing
writes nothing. A project code on two project rows refuses the file.

The rules of the city's instruction are not refusals but flags shown on the plan; a cell that
cannot be read, or a school outside the county, refuses the file.
"""

from dataclasses import replace

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gaibo.forms import WanYuanField
from gaibo.imports import ImportForm, RowError, SheetChoiceField, SheetImport, fingerprint
from gaibo.money import YUAN_PER_WAN, wan_text
from plans import services
from plans.choices import SOURCE_FIELDS, SOURCE_LABELS
from plans.models import Plan, PlanItem, PlanItemLine
from projects.choices import ConstructionKind, EquipmentCategory, ProjectCategory, Unit, WorkType
from projects.models import School

# The columns of an equipment line, and the line's field each fills.
LINE_COLUMNS = {
    "equipment_category": "category",
    "equipment_item": "name",
    "equipment_unit": "unit",
    "equipment_quantity": "quantity",
    "equipment_amount": "amount",
}


class PlanItemImportForm(ImportForm):
    code = forms.CharField(
        label=gettext_lazy("Project code"),
        max_length=32,
        help_text=gettext_lazy("Repeated on the row of each further equipment line."),
    )
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
    fund_central = WanYuanField(label=SOURCE_LABELS["fund_central"], required=False, min_value=0)
    fund_provincial = WanYuanField(
        label=SOURCE_LABELS["fund_provincial"], required=False, min_value=0
    )
    fund_city = WanYuanField(label=SOURCE_LABELS["fund_city"], required=False, min_value=0)
    fund_county = WanYuanField(label=SOURCE_LABELS["fund_county"], required=False, min_value=0)
    fund_pooled = WanYuanField(label=SOURCE_LABELS["fund_pooled"], required=False, min_value=0)
    fund_other = WanYuanField(label=SOURCE_LABELS["fund_other"], required=False, min_value=0)
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
    equipment_amount = WanYuanField(
        label=gettext_lazy("Equipment line amount (10,000 yuan)"),
        required=False,
        min_value=0,
        help_text=gettext_lazy(
            "Empty: the project's planned amount, when the project has one equipment line."
        ),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        # A row with the project code and nothing else of the project: a further equipment
        # line of a project given on another row.
        self.line_only = bool(self.data.get("code")) and not any(
            self.data.get(name) for name in PROJECT_COLUMNS
        )
        if self.line_only:
            for name in PROJECT_COLUMNS:
                self.fields[name].required = False
        self.lines = []  # (row number, line values) of the project, once combined

    def clean_school(self):
        text = self.cleaned_data["school"].strip()
        if not text:  # a row of an equipment line only
            return None
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
        line = [data.get(name) for name in LINE_COLUMNS if name != "equipment_amount"]
        given = [*line, data.get("equipment_amount")]
        if any(value not in (None, "") for value in given) and not all(line):
            raise ValidationError(
                _(
                    "An equipment line needs its category, item, unit and quantity (or leave "
                    "all four empty)."
                )
            )
        if self.line_only and not all(line):
            raise ValidationError(
                _(
                    "The row holds only a project code: fill in the project's columns, or the "
                    "columns of an equipment line of the project."
                )
            )
        if all(line):
            self._check_line()
        return data

    def _check_line(self) -> None:
        """The rules of an equipment line (a unit that fits its category …), reported on the
        line's own row rather than on the first row of its project."""
        values = self.line()
        line = PlanItemLine(**{**values, "amount": values["amount"] or 0})
        try:
            line.full_clean(exclude=["item"])
        except ValidationError as error:
            columns = {field: column for column, field in LINE_COLUMNS.items()}
            for field, messages in error.message_dict.items():
                self.add_error(columns.get(field), messages)

    def line(self) -> dict | None:
        """The equipment line of the row: {line field: value}, or None."""
        if not self.cleaned_data.get("equipment_item"):
            return None
        return {field: self.cleaned_data[column] for column, field in LINE_COLUMNS.items()}

    def project_values(self) -> dict:
        """{item field: value} of the project's columns, as the plan item keeps them."""
        data = self.cleaned_data
        values = {name: data[name] for name in ITEM_FIELDS}
        values["construction_kind"] = data["construction_kind"] or ""
        values["work_type"] = data["work_type"] or ""
        values["content"] = data["content"] or ""
        values["end_year"] = data["end_year"] or data["plan_year"]
        for name in SOURCE_FIELDS.values():
            values[name] = data[name] or 0
        if values["category"] != ProjectCategory.CONSTRUCTION:  # as plan_item_save keeps them
            values["construction_kind"] = values["work_type"] = ""
            values["planned_area"] = None
        return values

    @classmethod
    def combine(cls, rows):
        """One project per code: its row, then the rows of its further equipment lines. A
        second row of the same code with other project values refuses the file."""
        projects = {}  # code → (row number, form, good) of its project row
        kept, errors, further = [], [], []
        for number, form, good in rows:
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if form.line_only:
                if good:
                    further.append((number, form))
                continue
            if code not in projects:
                projects[code] = (number, form, good)
                if good:
                    kept.append((number, form))
                    if form.line():
                        form.lines.append((number, form.line()))
                continue
            first_number, first, first_good = projects[code]
            if not (good and first_good):
                continue  # a row with bad cells is reported already
            mine, theirs = form.project_values(), first.project_values()
            differing = [
                str(cls.base_fields[name].label)
                for name in PROJECT_COLUMNS
                if mine[name] != theirs[name]
            ]
            if differing or not form.line():
                errors.append(
                    RowError(
                        number,
                        str(cls.base_fields["code"].label),
                        _twice_message(code, first_number, differing),
                    )
                )
            else:  # the project's row copied for a further equipment line
                first.lines.append((number, form.line()))
        for number, form in further:
            code = form.cleaned_data["code"]
            if code in projects:
                projects[code][1].lines.append((number, form.line()))  # unwritten if bad
            else:
                errors.append(
                    RowError(
                        number,
                        str(cls.base_fields["code"].label),
                        _(
                            "The row holds an equipment line of project %(code)s, but no row "
                            "of the file gives the project's columns (its name, school, "
                            "category …)."
                        )
                        % {"code": code},
                    )
                )
        for _number, form in kept:
            form.lines.sort(key=lambda numbered: numbered[0])  # in the file's order
            errors.extend(form._lines_without_amount())
        return kept, errors

    def _lines_without_amount(self) -> list[RowError]:
        if len(self.lines) < 2:
            return []
        return [
            RowError(
                number,
                str(self.fields["equipment_amount"].label),
                _("Project %(code)s has several equipment lines: give the amount of each line.")
                % {"code": self.cleaned_data["code"]},
            )
            for number, line in self.lines
            if line["amount"] is None
        ]

    def save(self) -> str | None:
        values = self.project_values()
        item = PlanItem.objects.filter(plan=self.plan, code=self.cleaned_data["code"]).first()
        new = item is None
        if new:
            item = PlanItem(plan=self.plan, code=self.cleaned_data["code"])
        changed = [name for name, value in values.items() if new or _differs(item, name, value)]
        project = f"{item.code} {item.name}"
        before = {} if new else {name: _shown(item, name) for name in changed}
        for name, value in values.items():
            setattr(item, name, value)
        existing = [] if new else list(item.lines.all())
        lines, counts = [], {"changed": 0, "added": 0}
        for index, (_number, wanted) in enumerate(self.lines):
            if wanted["amount"] is None:  # the project's only line
                wanted = {**wanted, "amount": item.planned_amount}
            if index < len(existing):
                line = existing[index]
                if all(getattr(line, field) == value for field, value in wanted.items()):
                    continue
                counts["changed"] += 1
            else:
                line = PlanItemLine()
                counts["added"] += 1
            for field, value in wanted.items():
                setattr(line, field, value)
            lines.append(line)
        removed = existing[len(self.lines) :]
        if not (changed or lines or removed):
            return None
        services.plan_item_save(
            item=item, lines=lines, removed_lines=removed, acting_user=self.user
        )
        if new:
            return _("New project %(code)s %(name)s, %(amount)s (10,000 yuan)") % {
                "code": item.code,
                "name": item.name,
                "amount": wan_text(item.planned_amount),
            }
        return _("Changes %(project)s: %(changes)s") % {
            "project": project,
            "changes": _("; ").join(
                [
                    _change(self.fields[name].label, before[name], _shown(item, name))
                    for name in changed
                ]
                + _line_changes(counts["changed"], counts["added"], len(removed))
            ),
        }


# The columns of the project (all but its code and its equipment line), and the plan item's
# fields that they fill as they are.
PROJECT_COLUMNS = [
    name for name in PlanItemImportForm.base_fields if name != "code" and name not in LINE_COLUMNS
]
ITEM_FIELDS = ("name", "school", "category", "plan_year", "planned_area", "planned_amount")


def _differs(item: PlanItem, name: str, value) -> bool:
    if name == "school":  # by its key: no query
        return item.school_id != value.pk
    return getattr(item, name) != value


def _shown(item: PlanItem, name: str) -> str:
    """A project's column as the preview shows it: amounts in 万元, choices by their names."""
    if name == "content":
        return ""  # too long for a line of the preview: the column's name says it changed
    if name == "school":
        return item.school.name
    if name in ("category", "construction_kind", "work_type"):
        return str(getattr(item, f"get_{name}_display")()) or "—"
    value = getattr(item, name)
    if value is None or value == "":
        return "—"
    if name == "planned_amount" or name in SOURCE_FIELDS.values():
        return wan_text(value)
    if name == "planned_area":
        return f"{value:,.2f}"
    return str(value)


def _change(label, before: str, after: str) -> str:
    if not before and not after:
        return str(label)
    return f"{label} {before} → {after}"


def _twice_message(code, first_number, differing) -> str:
    if differing:
        return _(
            "Project code %(code)s is already on row %(row)s, with other values (%(columns)s): "
            "two projects cannot have the same code. A further equipment line of that project "
            "takes a row with the project code and the equipment columns only."
        ) % {"code": code, "row": first_number, "columns": _("; ").join(differing)}
    return _(
        "Project code %(code)s is already on row %(row)s: a project takes one row, and one "
        "more row for each further equipment line."
    ) % {"code": code, "row": first_number}


def _line_changes(changed: int, added: int, removed: int) -> list[str]:
    parts = []
    if changed:
        parts.append(
            ngettext(
                "%(count)s equipment line changed", "%(count)s equipment lines changed", changed
            )
            % {"count": changed}
        )
    if added:
        parts.append(
            ngettext("%(count)s equipment line added", "%(count)s equipment lines added", added)
            % {"count": added}
        )
    if removed:
        parts.append(
            ngettext(
                "%(count)s equipment line removed", "%(count)s equipment lines removed", removed
            )
            % {"count": removed}
        )
    return parts


def _template_rows(plan):
    """The plan's projects as the import reads them: the project's row with its first
    equipment line, then a row of the project code and the equipment columns for each further
    line."""

    def wan(amount):
        return (amount / YUAN_PER_WAN).normalize()

    def line_cells(line):
        if line is None:
            return ["", "", "", None, None]
        return [
            line.get_category_display(),
            line.name,
            line.get_unit_display(),
            line.quantity,
            wan(line.amount),
        ]

    def rows(user):
        result = []
        items = plan.items.select_related("school").prefetch_related("lines")
        for item in items.order_by("plan_year", "code"):
            lines = list(item.lines.all())
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
                    wan(item.planned_amount),
                    *[wan(getattr(item, field)) for field in SOURCE_FIELDS.values()],
                    *line_cells(lines[0] if lines else None),
                ]
            )
            for line in lines[1:]:
                result.append([item.code, *[None] * len(PROJECT_COLUMNS), *line_cells(line)])
        return result

    return rows


def _snapshot(plan):
    """The plan's state, items and equipment lines as the preview saw them. The plan's row is
    locked, as every write to its items locks it, so none comes between this and the rows."""

    def snapshot() -> str:
        return fingerprint(
            Plan.objects.select_for_update(of=("self",))
            .filter(pk=plan.pk)
            .order_by()
            .values_list("state"),
            PlanItem.objects.filter(plan=plan).order_by("pk").values_list(),
            PlanItemLine.objects.filter(item__plan=plan).order_by("pk").values_list(),
        )

    return snapshot


PLAN_ITEMS = SheetImport(
    kind="plans.items",
    title=gettext_lazy("Plan projects"),
    form_class=PlanItemImportForm,
    instructions=(
        gettext_lazy(
            "One row per project, with its first equipment line if it has one. Each further "
            "equipment line of a project is a row of its own: the project code and the "
            "equipment columns, the project's other columns left empty (or the same as on its "
            "first row)."
        ),
        gettext_lazy(
            "A project code is on one project row only: two projects with the same code "
            "refuse the file."
        ),
        gettext_lazy(
            "A project of the file whose code is in the plan is changed, and its equipment "
            "lines become those of the file, in their order: a changed row changes its line, "
            "a deleted row deletes it. Projects not in the file stay as they are."
        ),
    ),
)


def plan_sheet(plan) -> SheetImport:
    """The import of one plan's projects (the batch is kept per plan)."""
    return replace(
        PLAN_ITEMS,
        kind=f"plans.items.{plan.pk}",
        form_kwargs={"plan": plan},
        template_rows=_template_rows(plan),
        snapshot=_snapshot(plan),
    )
