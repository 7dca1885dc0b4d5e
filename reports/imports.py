"""The monthly report's Excel round trip: download the month pre-filled, fill it offline, upload
it (see gaibo/imports.py). Each row is saved by the same service as the entry page."""

import re
import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gaibo.forms import WanYuanField
from gaibo.imports import ImportForm, RowError, SheetDateField, SheetImport, fingerprint
from gaibo.money import YUAN_PER_WAN, wan_text
from gaibo.versions import last_saved, saved_by
from reports import selectors, services


class TemplateVersionField(forms.CharField):
    """The version column: the line's version when the template was downloaded and the code of
    that download, "17-1a2b3c4d" ("17" in a template of before the code). Cleaned to
    (version, code), the code "" when there is none."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        match = re.fullmatch(r"([1-9][0-9]*)(?:-([0-9a-f]{8}))?", text)
        if match is None:
            raise ValidationError(
                _("Leave the version as the template has it (it tells what changed since)."),
                code="invalid",
            )
        return int(match[1]), match[2] or ""


class ReportLineImportForm(ImportForm):
    project = forms.CharField(label=gettext_lazy("Project code"), max_length=32)
    name = forms.CharField(label=gettext_lazy("Project name"), required=False)
    started_on = SheetDateField(label=gettext_lazy("Start date"), required=False)
    completed_on = SheetDateField(label=gettext_lazy("Completion date"), required=False)
    started_area = forms.DecimalField(
        label=gettext_lazy("Started area (m²)"), required=False, min_value=0, decimal_places=2
    )
    completed_area = forms.DecimalField(
        label=gettext_lazy("Completed area (m²)"), required=False, min_value=0, decimal_places=2
    )
    investment_month = WanYuanField(
        label=gettext_lazy("Investment this month (10,000 yuan)"), required=False, min_value=0
    )
    progress = forms.IntegerField(
        label=gettext_lazy("Physical progress (%)"), min_value=0, max_value=100
    )
    remark = forms.CharField(label=gettext_lazy("Remark"), required=False, max_length=500)
    # The line's version when the template was downloaded, and the download's code: a row that
    # would put back a figure somebody changed since is refused, not written over theirs.
    # Optional: a template of before this column still imports, unchecked.
    version = TemplateVersionField(label=gettext_lazy("Version (do not change)"), required=False)

    def __init__(self, *args, report, lines, previous, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.lines = lines
        self.previous = previous

    def clean_project(self):
        code = self.cleaned_data["project"]
        if code not in self.lines:
            raise ValidationError(
                _("Project %(code)s is not in this report of %(county)s.")
                % {"code": code, "county": self.report.county.name}
            )
        return self.lines[code]

    def save(self) -> str:
        data = self.cleaned_data
        line = data["project"]
        line.report = self.report  # one report object for every row: checked once
        before = {field: getattr(line, field) for field in CHANGED_FIELDS}
        for field in CHANGED_FIELDS:
            setattr(line, field, data[field])
        if line.investment_month is None:
            line.investment_month = 0
        if before["started_area"] is None:  # equipment and IT lines have no areas
            line.started_area = line.started_area or None
            line.completed_area = line.completed_area or None
        version, download = data["version"] or (None, "")
        if version is not None and version != line.version:
            # Saved since the download. A figure somebody else changed since (not the
            # uploader's own earlier upload of this download, the file corrected and uploaded
            # again; nor a save that changed no figure, the finance bureau's confirmation) is
            # kept as they saved it where the file left it as downloaded, and refuses the row
            # where the file changed it: the file would undo their change.
            downloaded = _as_downloaded(line, version)
            if downloaded is None:
                raise _stale(line)
            changed, change = _changed_by_others(line, downloaded, download, self.user)
            for field in changed:
                if getattr(line, field) == getattr(downloaded, field):
                    setattr(line, field, before[field])
            if any(getattr(line, field) != before[field] for field in changed):
                raise _stale(line, change)
        if all(before[field] == getattr(line, field) for field in CHANGED_FIELDS):
            return None
        if download:
            line._change_reason = _import_reason(download)  # kept in the line's history
        try:
            services.report_line_save(
                line=line,
                acting_user=self.user,
                expected_version=line.version,
                previous=self.previous.get(line.project_id),
            )
        except ValidationError as error:
            # Saved between this import's reading and its writing.
            if getattr(error, "code", None) == "stale":
                raise _stale(line) from error
            raise
        changes = [
            f"{LABELS[field]} {_shown(field, before[field])} → "
            f"{_shown(field, getattr(line, field))}"
            for field in CHANGED_FIELDS
            if before[field] != getattr(line, field)
        ]
        return _("%(project)s: %(changes)s") % {
            "project": f"{line.project.code} {line.project.name}",
            "changes": _("; ").join(changes),
        }

    @classmethod
    def combine(cls, rows):
        """One row per project: a project given twice refuses the file, naming both rows."""
        first_rows, kept, errors = {}, [], []
        for number, form, good in rows:
            line = form.cleaned_data.get("project")  # its line, when the code is in the report
            if line is not None and line.pk in first_rows:
                errors.append(
                    RowError(
                        number,
                        str(cls.base_fields["project"].label),
                        _("Project %(code)s is on row %(row)s already: give it one row.")
                        % {"code": line.project.code, "row": first_rows[line.pk]},
                    )
                )
                continue
            if line is not None:
                first_rows[line.pk] = number
            if good:
                kept.append((number, form))
        return kept, errors


def _import_reason(download: str) -> str:
    """The reason the line's history gives for a save by an upload of a template download."""
    return f"Excel #{download}"


def _as_downloaded(line, version: int):
    """The line as it was at `version` (its history's record), or None when the history has
    no such version."""
    return line.history.filter(version=version).order_by("-history_id").first()


def _changed_by_others(line, downloaded, download: str, user) -> tuple[set, object]:
    """The importable figures of the line that were changed after the downloaded record, and
    the last change of them, from its history in the order of the versions; the user's own
    uploads of the same download do not count."""
    own = _import_reason(download) if download else None
    changed, last, before = set(), None, downloaded
    for record in line.history.filter(version__gt=downloaded.version).order_by(
        "version", "history_id"
    ):
        fields = {
            field for field in CHANGED_FIELDS if getattr(record, field) != getattr(before, field)
        }
        if fields and not (
            own and record.history_change_reason == own and record.history_user_id == user.pk
        ):
            changed |= fields
            last = record
        before = record
    return changed, last


def _stale(line, change=None) -> ValidationError:
    """The refusal of a row that would undo a change saved after the download (the last such
    change of the history, else the line's last save)."""
    return ValidationError(
        _(
            "%(user)s saved this line at %(time)s, after the template was downloaded: "
            "importing this row would undo their change. Download the template again and make "
            "your changes in it."
        )
        % (saved_by(change) if change is not None else last_saved(line)),
        code="stale",
    )


CHANGED_FIELDS = (
    "started_on",
    "completed_on",
    "started_area",
    "completed_area",
    "investment_month",
    "progress",
    "remark",
)


def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if field == "investment_month":
        return wan_text(value)
    return str(value)


LABELS = {name: form_field.label for name, form_field in ReportLineImportForm.base_fields.items()}


def report_sheet(report) -> SheetImport:
    """The import of one report, its template pre-filled with the report's lines."""
    lines = selectors.report_lines(report)

    def template_rows(user):
        download = secrets.token_hex(4)  # this download's code, in each row's version
        return [
            [
                line.project.code,
                line.project.name,
                line.started_on,
                line.completed_on,
                line.started_area,
                line.completed_area,
                (line.investment_month / YUAN_PER_WAN).normalize(),
                line.progress,
                line.remark,
                f"{line.version}-{download}",
            ]
            for line in lines
        ]

    def snapshot() -> str:
        # The versions of the lines the rows are checked against, as they were read: a line
        # saved between the preview's reading and the confirmation's changes it. (Read again
        # from the table, a save just before the preview's snapshot would pass unseen, and a
        # row it made stale be found only at the confirmation.)
        return fingerprint((line.pk, line.version) for line in lines)

    return SheetImport(
        kind=f"reports.report.{report.pk}",
        title=f"{report.county.name}{report.period_label}",
        form_class=ReportLineImportForm,
        template_rows=template_rows,
        form_kwargs={
            "report": report,
            "lines": {line.project.code: line for line in lines},
            "previous": selectors.previous_lines(report),
        },
        snapshot=snapshot,
        batch=lambda: services.state_held(report),
    )
