"""Spreadsheet imports: one way to read an .xlsx file, check it and write it, all or nothing.

An import is described by a `SheetImport`: a form whose fields are the columns (a field's label
is its column header) and which writes one row through the services. Every import goes the same
way:

1. The file is checked before anything parses it (`check_package`): within the size limit, a
   zip holding the parts of an Excel workbook (whatever its name says), and not a zip bomb —
   its declared unpacked size and its number of entries within limits (Python's zipfile never
   unpacks more than an entry declares). Its XML is then parsed by openpyxl through defusedxml,
   which refuses entity declarations (the "billion laughs"). Then the header row: headers all
   known and none missing.
2. Each row is cleaned by the form: every bad cell is reported by row number and column.
   Then the rows are checked against each other (`ImportForm.combine`): a key given twice is
   reported naming both rows, and rows that make one record together are joined.
3. The rows are written through the services inside one transaction, each row in a savepoint,
   so that a rule a service enforces (a limit, a locked month, a duplicate) is reported on its
   row too. A dry run (the preview) and a file with any bad row roll the whole transaction back:
   nothing is written unless every row is good and the user has confirmed.

The uploaded file is kept as an `ImportBatch` between the preview and the confirmation, and
afterwards as the record of who imported what.
"""

import datetime
import hashlib
import zipfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from io import BytesIO
from types import SimpleNamespace

from defusedxml import DefusedXmlException
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from gaibo.exports import xlsx_workbook_response
from gaibo.models import ImportBatch

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]


class ImportForm(forms.Form):
    """The columns of one import and the write of one row.

    Subclasses declare the columns as fields (the label is the header) and implement `save`,
    which writes the cleaned row through a service and says in a few words what it did, or
    returns None when the row changes nothing (then nothing is written).
    """

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def save(self) -> str | None:
        raise NotImplementedError

    @classmethod
    def combine(cls, rows: list) -> tuple[list, list]:
        """The checks between rows: given every row's (number, form, good) in the file's order,
        where `good` says whether its cells were read without error, return the (number, form)
        to write and the RowErrors found. By default every good row is written on its own.

        A subclass may refuse a key given twice (naming both rows) or join the rows that make
        one record (the form it keeps writes them all).
        """
        return [(number, form) for number, form, good in rows if good], []


class SheetDateField(forms.DateField):
    """A date cell: a real Excel date, or text written the ways bureaus write dates."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(*args, **kwargs)


class SheetChoiceField(forms.ChoiceField):
    """A choice cell: the choice's name as shown (in Chinese or English) or its stored value."""

    def to_python(self, value):
        value = super().to_python(value).strip()
        for stored, label in self.choices:
            if value == str(stored):
                return stored
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    if value == str(label):
                        return stored
        return value


@dataclass
class SheetImport:
    """One kind of import: its name, the form that reads and writes a row, its template rows."""

    kind: str
    title: str
    form_class: type[ImportForm]
    template_rows: object = None  # a callable (user) -> rows to pre-fill the downloaded template
    form_kwargs: dict = field(default_factory=dict)  # what the form needs besides the row
    # A callable () -> str fingerprinting the records the rows are checked against (see
    # `fingerprint`): when it differs between the preview and the confirmation, the
    # confirmation is refused and the file must be uploaded again.
    snapshot: object = None
    # How to fill in the sheet beyond its columns, a paragraph each: shown on the import page
    # and on a second sheet of the downloaded template (only the first sheet is read).
    instructions: tuple = ()
    # A callable () -> context manager around the writes of all the rows, inside their
    # transaction (funding.services.totals_deferred: totals summed once, not after each row);
    # what it gives is told `discard = True` when the writes are to be rolled back.
    batch: object = None

    def columns(self):
        return list(self.form_class.base_fields.items())

    def headers(self) -> list[str]:
        return [str(form_field.label) for _name, form_field in self.columns()]


@dataclass
class RowError:
    row: int | None  # the spreadsheet's row number; None for the file as a whole
    column: str  # the column header, or "" for the row as a whole
    message: str


@dataclass
class ImportResult:
    changes: list = field(default_factory=list)  # (row number, what it does)
    errors: list = field(default_factory=list)  # RowError
    applied: bool = False
    snapshot: str = ""  # of the records the rows were checked against (SheetImport.snapshot)

    @property
    def ok(self) -> bool:
        return not self.errors


def fingerprint(*tables) -> str:
    """The `SheetImport.snapshot` of some records: each table an iterable of value tuples in a
    stable order (e.g. `values_list(...)` ordered by pk). Any change of a value changes it."""
    digest = hashlib.sha256()
    for rows in tables:
        for row in rows:
            digest.update(repr(tuple(row)).encode())
        digest.update(b"\x1e")  # between tables
    return digest.hexdigest()


class FileRefused(Exception):
    """The file as a whole cannot be read: not .xlsx, too large, wrong headers."""


# The parts every Excel workbook (.xlsx) has, whatever program saved it.
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# What a damaged or hostile file can raise while openpyxl reads it.
READ_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    OSError,
    SyntaxError,  # xml.etree's ParseError, lxml's XMLSyntaxError
    EOFError,
    TypeError,
    IndexError,
)


def _too_large() -> str:
    return _("The file is larger than %(limit)s MB.") % {
        "limit": settings.GAIBO_IMPORT_MAX_BYTES // (1024 * 1024)
    }


def _not_a_workbook() -> str:
    return _("This is not an .xlsx file. Save it in Excel or WPS as an .xlsx workbook.")


def check_package(content: bytes) -> None:
    """Refuse, before parsing it, a file that is too large, not an Excel workbook by its
    content, or a zip bomb (too large or too many entries once unpacked)."""
    if len(content) > settings.GAIBO_IMPORT_MAX_BYTES:
        raise FileRefused(_too_large())
    try:
        with zipfile.ZipFile(BytesIO(content)) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRefused(_not_a_workbook()) from None
    unpacked = sum(entry.file_size for entry in entries)
    if (
        len(entries) > settings.GAIBO_IMPORT_MAX_ENTRIES
        or unpacked > settings.GAIBO_IMPORT_MAX_UNPACKED_BYTES
    ):
        raise FileRefused(
            _(
                "Once unpacked this file would be larger than %(limit)s MB or hold more than "
                "%(entries)s parts; it was refused without being read. Save it again in Excel "
                "or WPS, or split it."
            )
            % {
                "limit": settings.GAIBO_IMPORT_MAX_UNPACKED_BYTES // (1024 * 1024),
                "entries": settings.GAIBO_IMPORT_MAX_ENTRIES,
            }
        )
    names = {entry.filename for entry in entries}
    if not all(part in names for part in WORKBOOK_PARTS):
        raise FileRefused(_not_a_workbook())


def read_rows(content: bytes, spec: SheetImport):
    """Check the file and the header row; yield (row number, {field name: cell text})."""
    check_package(content)
    try:
        yield from _read_checked_rows(content, spec)
    except (DefusedXmlException, *READ_ERRORS) as error:
        if _caused_by(error, DefusedXmlException):  # openpyxl wraps it in a ValueError
            raise FileRefused(
                _(
                    "The file holds XML that a workbook never has (entity declarations) and "
                    "was refused. Save it again in Excel or WPS as an .xlsx workbook."
                )
            ) from None
        raise FileRefused(_not_a_workbook()) from None


def _caused_by(error: BaseException, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def _read_checked_rows(content: bytes, spec: SheetImport):
    workbook = load_workbook(BytesIO(content), read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows()
        header_cells = next(lines, ())
        columns = _match_headers([_header_text(cell.value) for cell in header_cells], spec)
        row_limit = settings.GAIBO_IMPORT_MAX_ROWS
        for number, cells in enumerate(lines, start=2):
            if number - 1 > row_limit:
                raise FileRefused(
                    _("The file has more than %(limit)s rows; split it.") % {"limit": row_limit}
                )
            values = {}
            formulas = []
            for index, cell in enumerate(cells):
                name = columns.get(index)
                if name is None:
                    continue
                if cell.data_type == "f":
                    formulas.append(name)
                values[name] = _cell_text(cell.value)
            if any(values.values()) or formulas:
                yield number, values, formulas
    finally:
        workbook.close()


def _header_text(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _match_headers(found: list[str], spec: SheetImport) -> dict[int, str]:
    """Which column holds which field; refuse unknown, repeated and missing headers."""
    by_header = {}
    for name, form_field in spec.columns():
        for language in ("zh-hans", "en"):
            with translation.override(language):
                by_header[_header_text(form_field.label)] = name
    columns = {}
    problems = []
    for index, header in enumerate(found):
        if not header:
            continue
        name = by_header.get(header)
        if name is None:
            problems.append(_("unknown column “%(header)s”") % {"header": header})
        elif name in columns.values():
            problems.append(_("column “%(header)s” appears twice") % {"header": header})
        else:
            columns[index] = name
    for name, form_field in spec.columns():
        if form_field.required and name not in columns.values():
            problems.append(_("column “%(header)s” is missing") % {"header": form_field.label})
    if problems:
        raise FileRefused(
            _(
                "The header row does not match the template: %(problems)s. Download the template "
                "and keep its first row as it is."
            )
            % {"problems": "; ".join(problems)}
        )
    return columns


def _cell_text(value) -> str:
    """A cell as the text a form field cleans; dates stay ISO dates, whole numbers lose ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


CHANGED_SINCE_PREVIEW = gettext_lazy(
    "The figures changed after your preview (somebody saved in the meantime). Nothing was "
    "written: upload the file again to check it against the current figures."
)


def run_import(
    content: bytes, spec: SheetImport, *, user, dry_run: bool, snapshot: str | None = None
) -> ImportResult:
    """Check every row and write them all, or nothing (always nothing on a dry run).

    The result carries the snapshot of the records the rows are checked against
    (`spec.snapshot`); given the preview's `snapshot`, the import writes nothing if they have
    changed since. It is taken inside the import's transaction, before any row, so a snapshot
    that locks what it reads leaves no moment for another save in between; one made of the
    records as the rows were checked against them (the monthly report's) leaves that to the
    writes, which check each record's version."""
    result = ImportResult()
    try:
        rows = []
        for number, values, formulas in read_rows(content, spec):
            for name in formulas:
                result.errors.append(
                    RowError(
                        number,
                        str(spec.form_class.base_fields[name].label),
                        _("This cell holds a formula; type the value itself."),
                    )
                )
            form = spec.form_class(values, user=user, **spec.form_kwargs)
            good = form.is_valid() and not formulas
            if not good:
                _add_form_errors(result, number, form)
            rows.append((number, form, good))
    except FileRefused as refusal:
        result.errors.append(RowError(None, "", str(refusal)))
        return result
    if not rows:
        result.errors.append(RowError(None, "", _("The file has no rows to import.")))
        return result
    forms_by_row, errors = spec.form_class.combine(rows)
    result.errors.extend(errors)
    # The rows whose cells are good go through the services even when other rows are bad, so
    # that the user sees every problem of the file at once.
    with transaction.atomic():
        result.snapshot = spec.snapshot() if spec.snapshot else ""
        if snapshot is not None and result.snapshot != snapshot:
            result.errors.append(RowError(None, "", str(CHANGED_SINCE_PREVIEW)))
            return result
        with spec.batch() if spec.batch else nullcontext(SimpleNamespace()) as batch:
            for number, form in forms_by_row:
                try:
                    with transaction.atomic():
                        change = form.save()
                    if change is not None:
                        result.changes.append((number, change))
                except ValidationError as error:
                    _add_service_errors(result, number, form, error)
                except PermissionDenied as error:
                    result.errors.append(RowError(number, "", str(error) or _("Not allowed.")))
            batch.discard = dry_run or bool(result.errors)  # rolled back below
        if dry_run or result.errors:
            transaction.set_rollback(True)
        else:
            result.applied = True
    result.errors.sort(key=lambda error: error.row or 0)
    return result


def _add_form_errors(result: ImportResult, number: int, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        column = str(form.fields[name].label) if name in form.fields else ""
        for message in errors:
            result.errors.append(RowError(number, column, message))


def _add_service_errors(result, number, form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            result.errors.append(RowError(number, "", message))
        return
    for name, errors in error.error_dict.items():
        column = str(form.fields[name].label) if name in form.fields else ""
        for message in ValidationError(errors).messages:
            result.errors.append(RowError(number, column, message))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(
                _("Only .xlsx files can be imported (Excel 2007 or later, or WPS).")
            )
        if upload.size > settings.GAIBO_IMPORT_MAX_BYTES:
            raise ValidationError(_too_large())
        return upload


PREVIEW_ROWS = 200
UNCONFIRMED_KEPT = datetime.timedelta(days=1)


def import_page(request, spec: SheetImport, *, back_url: str, context=None):
    """The whole journey of an import: template, upload, preview, confirm.

    The caller has checked that the user may import; every row is checked again by the
    services as the user's own write.
    """
    context = {"spec": spec, "back_url": back_url, **(context or {})}
    if request.GET.get("template"):
        sheets = [
            (
                spec.title,
                spec.headers(),
                spec.template_rows(request.user) if spec.template_rows else [],
            )
        ]
        if spec.instructions:
            sheets.append(
                (
                    _("Instructions"),
                    [_("How to fill in the first sheet")],
                    [[str(paragraph)] for paragraph in spec.instructions],
                )
            )
        return xlsx_workbook_response(filename=f"{spec.title}.xlsx", sheets=sheets)
    form = UploadForm()
    if request.method == "POST" and request.POST.get("batch"):
        batch = get_object_or_404(
            ImportBatch,
            pk=request.POST["batch"],
            kind=spec.kind,
            uploaded_by=request.user,
            applied_at__isnull=True,
        )
        result = run_import(
            bytes(batch.content),
            spec,
            user=request.user,
            dry_run=False,
            snapshot=batch.snapshot,
        )
        if result.applied:
            batch.applied_at = timezone.now()
            batch.rows = len(result.changes)
            batch.save(update_fields=["applied_at", "rows"])
            messages.success(
                request,
                _("Imported %(count)s rows from %(name)s.")
                % {"count": len(result.changes), "name": batch.file_name},
            )
            return redirect(back_url)
        context.update(result=result, batch=batch, file_name=batch.file_name)
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            result = run_import(content, spec, user=request.user, dry_run=True)
            batch = None
            if result.ok and result.changes:
                # Previews never confirmed are not kept beyond a day.
                ImportBatch.objects.filter(
                    applied_at__isnull=True, uploaded_at__lt=timezone.now() - UNCONFIRMED_KEPT
                ).delete()
                batch = ImportBatch.objects.create(
                    kind=spec.kind,
                    uploaded_by=request.user,
                    file_name=upload.name[:200],
                    content=content,
                    rows=len(result.changes),
                    snapshot=result.snapshot,
                )
            context.update(result=result, batch=batch, file_name=upload.name)
    result = context.get("result")
    if result is not None and result.ok:
        context["shown_changes"] = result.changes[:PREVIEW_ROWS]
    context["form"] = form
    return render(request, "imports/import.html", context)
