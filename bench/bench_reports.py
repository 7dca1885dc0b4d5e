"""Benchmark of the monthly report (月报): the entry page of a county with 500 projects and the
Excel upload of a 5,000-row file, through django.test.Client as a county education user.

    make bench                                  # a throwaway SQLite file in a temp directory
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres make bench
                                                # a throwaway database on that server
    .venv/bin/python bench/bench_reports.py --help

The database is never the developer's: with no DATABASE_URL, or a sqlite:// one, the data goes
to a new SQLite file in a temp directory (whatever path the URL names); with a postgres:// URL
the script connects to the database it names only to CREATE a new `gaibo_bench_<pid>` database
on that server (the user needs CREATEDB), migrates it, and DROPs it at the end. Set
BENCH_REUSE_DATABASE=1 to run in the database the URL names instead (it must be migratable and
is left with the bench data).

Each step is timed through django.test.Client (median of --repeat runs for the entry page, one
run for each import step). Queries are counted with a connection execute wrapper (every
statement the app sends, savepoints included). Memory: "peak +MiB" is the highest resident
set size during the timed run above the RSS at its start (sampled from /proc/self/statm every
5 ms), "max RSS" the process's high-water mark after the step (resource.getrusage), and with
--tracemalloc each step runs once more under tracemalloc for its peak of Python allocations
(slow: about twice the time). The setup (migrate, data, opening the reports) is timed
separately and left out of the figures. Every step is checked (rows shown, rows saved,
progress written); the script exits 1 if a check fails.
"""

import argparse
import io
import json
import re
import sys
from pathlib import Path

from common import (
    BenchFailure,
    Figures,
    check,
    code_version,
    database_version,
    measure,
    mib,
    prepare_database,
    print_profiles,
    print_shapes,
    start_django,
    stopwatch,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the data ----------------------------------------------------------------------------------


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def build_county(*, city, code: str, name: str, projects: int, school_base: int, today):
    """A county with `projects` projects over schools of 20, a county education user, last
    month's approved report (progress 0-50%), and this month's report opened by the service.

    Construction projects (60%) are contracted or started, equipment (30%) and IT (10%)
    tendered or contracted: what a county has under way. Returns (county, user, report).
    """
    import datetime
    from decimal import Decimal

    from gaibo.choices import Role
    from gaibo.models import User
    from projects.choices import (
        ConstructionKind,
        DistrictLevel,
        Programme,
        ProjectCategory,
        ProjectStatus,
        SchoolLocation,
        SchoolType,
        WorkType,
    )
    from projects.models import District, Project, School
    from reports import services
    from reports.choices import Half, ReportState
    from reports.models import Report, ReportLine

    county = District.objects.create(code=code, name=name, level=DistrictLevel.COUNTY, parent=city)
    user = User.objects.create(
        username=f"bench-{code}", role=Role.COUNTY_EDUCATION, district=county
    )
    schools = School.objects.bulk_create(
        School(
            code=f"{school_base + index:010d}",
            name=f"{name}第{index + 1}小学",
            county=county,
            school_type=SchoolType.PRIMARY,
            location=SchoolLocation.TOWN,
            pupils=450,
            classes=12,
        )
        for index in range((projects + 19) // 20)
    )
    approved = datetime.date(2025, 3, 1)
    tendered = datetime.date(2025, 4, 1)
    contracted = datetime.date(2025, 5, 1)
    started = datetime.date(2025, 6, 1)
    rows = []
    for index in range(projects):
        kind = index % 10
        dates = {"approved_on": approved, "tendered_on": tendered}
        if kind < 6:  # construction: contracted, or started
            category = ProjectCategory.CONSTRUCTION
            dates["contracted_on"] = contracted
            status = ProjectStatus.CONTRACTED
            if kind % 2:
                dates["started_on"] = started
                status = ProjectStatus.STARTED
            extra = {
                "construction_kind": ConstructionKind.TEACHING,
                "work_type": WorkType.NEW,
                "planned_area": Decimal("1200.00"),
                "planned_amount": Decimal("3600000.00"),
                "name": f"{name}教学楼新建工程{index + 1}",
            }
        else:  # equipment and IT: tendered, or contracted
            category = ProjectCategory.EQUIPMENT if kind < 9 else ProjectCategory.IT
            status = ProjectStatus.TENDERED
            if kind % 2:
                dates["contracted_on"] = contracted
                status = ProjectStatus.CONTRACTED
            extra = {"planned_amount": Decimal("500000.00"), "name": f"{name}设备购置{index + 1}"}
        rows.append(
            Project(
                code=f"{code}-{index + 1:05d}",
                school=schools[index // 20],
                programme=Programme.CAPACITY,
                category=category,
                plan_year=2023 + index % 3,
                status=status,
                **dates,
                **extra,
            )
        )
    created = Project.objects.bulk_create(rows)

    year, month = previous_month(today.year, today.month)
    before = Report(county=county, year=year, month=month, half=Half.WHOLE)
    before.state = ReportState.APPROVED
    before.save()
    lines = []
    for project in created:
        is_construction = project.category == ProjectCategory.CONSTRUCTION
        is_started = project.status == ProjectStatus.STARTED
        lines.append(
            ReportLine(
                report=before,
                project=project,
                status=project.status,
                started_on=project.started_on if is_construction else project.contracted_on,
                started_area=(Decimal("600.00") if is_started else 0) if is_construction else None,
                completed_area=0 if is_construction else None,
                investment_month=Decimal("100000.00") if is_started else 0,
                investment_to_date=Decimal("500000.00") if is_started else 0,
                progress=(10 * (project.pk % 5 + 1)) if is_started else 0,
                updated_by=user,
            )
        )
    ReportLine.objects.bulk_create(lines)
    report = services.report_open(
        county=county, year=today.year, month=today.month, half=Half.WHOLE, acting_user=user
    )
    check(
        report.lines.count() == projects,
        f"{name}: the report has {report.lines.count()} lines, expected {projects}",
    )
    return county, user, report


# --- the steps ---------------------------------------------------------------------------------


def entry_form_data(report, changes: dict) -> dict:
    """The entry form as the page posts it; `changes` is {line pk: {field: value}}."""
    from reports.models import ReportLine

    lines = list(ReportLine.objects.filter(report=report).order_by("project__code"))
    data = {
        "form-TOTAL_FORMS": len(lines),
        "form-INITIAL_FORMS": len(lines),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }
    for index, line in enumerate(lines):
        values = {
            "id": line.pk,
            "loaded_version": line.version,
            "started_on": line.started_on or "",
            "completed_on": line.completed_on or "",
            "started_area": "" if line.started_area is None else line.started_area,
            "completed_area": "" if line.completed_area is None else line.completed_area,
            "investment_month": line.investment_month / 10000,
            "progress": line.progress,
            "remark": line.remark,
        }
        values.update(changes.get(line.pk, {}))
        for name, value in values.items():
            data[f"form-{index}-{name}"] = value
    return data


def bench_entry(client, report, *, lines: int, changed: int, repeat: int, trace, profile):
    from django.urls import reverse

    from reports.models import ReportLine

    url = reverse("reports:report_entry", args=[report.pk])
    results = []

    def get(_prepared):
        return client.get(url)

    def verify_get(_prepared, response):
        check(response.status_code == 200, f"entry GET answered {response.status_code}")
        shown = len(re.findall(rb'name="form-\d+-progress"', response.content))
        check(shown == lines, f"entry GET shows {shown} progress inputs, expected {lines}")

    verify_get(None, client.get(url))  # warm up: templates, URLconf, translations
    results.append(
        measure(
            f"entry page GET ({lines} lines)",
            lines,
            get,
            verify=verify_get,
            repeat=repeat,
            trace=trace,
            profile=profile,
        )
    )

    line_ids = list(
        ReportLine.objects.filter(report=report)
        .order_by("project__code")
        .values_list("pk", flat=True)
    )
    step = max(1, lines // changed)
    chosen = line_ids[::step][:changed]
    state = {"round": 0}

    def prepare_post():
        state["round"] += 1
        progress = 60 + state["round"]
        changes = {pk: {"progress": progress, "investment_month": "1.5"} for pk in chosen}
        return progress, entry_form_data(report, changes)

    def post(prepared):
        return client.post(url, prepared[1])

    def verify_post(prepared, response):
        check(
            response.status_code == 302,
            f"entry POST answered {response.status_code}, expected a redirect (all rows saved)",
        )
        saved = ReportLine.objects.filter(pk__in=chosen, progress=prepared[0]).count()
        check(saved == len(chosen), f"entry POST saved {saved} rows, expected {len(chosen)}")

    results.append(
        measure(
            f"entry page POST ({len(chosen)} of {lines} changed)",
            len(chosen),
            post,
            prepare=prepare_post,
            verify=verify_post,
            repeat=repeat,
            trace=trace,
            profile=profile,
        )
    )
    return results


def bench_import(client, report, *, rows: int, trace, profile, progress: int = 60):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from openpyxl import load_workbook

    from gaibo.models import ImportBatch
    from reports.imports import ReportLineImportForm
    from reports.models import ReportLine

    url = reverse("reports:report_import", args=[report.pk])
    progress_column = list(ReportLineImportForm.base_fields).index("progress") + 1
    results = []
    template = {}

    def download(_prepared):
        return client.get(url, {"template": "1"})

    def verify_download(_prepared, response):
        check(response.status_code == 200, f"template download answered {response.status_code}")
        check(response["Content-Type"] == XLSX_TYPE, "the template is not an .xlsx file")
        template["content"] = response.content

    results.append(
        measure(
            f"import: template download ({rows} rows)",
            rows,
            download,
            verify=verify_download,
            trace=trace,
            profile=profile,
        )
    )
    sheet = load_workbook(io.BytesIO(template["content"]), read_only=True).worksheets[0]
    found = sum(1 for row in sheet.iter_rows(min_row=2, values_only=True) if any(row))
    check(found == rows, f"the template has {found} rows, expected {rows}")

    def filled(progress: int) -> bytes:
        """The downloaded template with every row's progress set to `progress`."""
        workbook = load_workbook(io.BytesIO(template["content"]))
        sheet = workbook.worksheets[0]
        for number in range(2, sheet.max_row + 1):
            sheet.cell(row=number, column=progress_column).value = progress
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def with_progress(progress: int) -> int:
        return ReportLine.objects.filter(report=report, progress=progress).count()

    def upload(progress):
        content = filled(progress)
        file = SimpleUploadedFile(f"月报{progress}.xlsx", content, XLSX_TYPE)
        return client.post(url, {"file": file})

    def batch_of(response) -> int:
        check(response.status_code == 200, f"the preview answered {response.status_code}")
        match = re.search(rb'name="batch" value="(\d+)"', response.content)
        if match is None:
            raise BenchFailure(f"the preview refused the file: {errors_of(response)}")
        return int(match.group(1))

    def errors_of(response) -> str:
        """The first rows of the import page's table of problems."""
        errors = re.findall(
            rb'<tr><td class="num">([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>',
            response.content,
        )
        return "; ".join(b" ".join(error).decode() for error in errors[:5]) or "no message"

    rounds = {"progress": progress}  # each upload sets every row to the next value
    previewed = []  # (progress, batch pk) of the previews still current, oldest first

    def prepare_preview():
        rounds["progress"] += 1
        file = SimpleUploadedFile("月报.xlsx", filled(rounds["progress"]), XLSX_TYPE)
        return rounds["progress"], file

    def preview(prepared):
        return client.post(url, {"file": prepared[1]})

    def verify_preview(prepared, response):
        batch = ImportBatch.objects.get(pk=batch_of(response))
        check(batch.rows == rows, f"the preview counts {batch.rows} rows, expected {rows}")
        check(with_progress(prepared[0]) == 0, "the preview (a dry run) wrote to the report")
        previewed.append((prepared[0], batch.pk))

    results.append(
        measure(
            f"import: preview, dry run ({rows} rows)",
            rows,
            preview,
            prepare=prepare_preview,
            verify=verify_preview,
            trace=trace,
            profile=profile,
        )
    )

    applied = {}

    def prepare_confirm():
        """The batch of a preview above; an extra upload for the tracemalloc or cProfile run."""
        if previewed:
            return previewed.pop(0)
        rounds["progress"] += 1
        return rounds["progress"], batch_of(upload(rounds["progress"]))

    def confirm(prepared):
        return client.post(url, {"batch": prepared[1]})

    def verify_confirm(prepared, response):
        check(
            response.status_code == 302,
            f"the confirmation answered {response.status_code}, expected a redirect: "
            f"{errors_of(response)}",
        )
        batch = ImportBatch.objects.get(pk=prepared[1])
        check(batch.applied_at is not None, "the batch was not applied")
        written = with_progress(prepared[0])
        check(written == rows, f"{written} lines have the new progress, expected {rows}")
        applied["rows"] = batch.rows
        previewed.clear()  # checked against the lines before this write: refused now
        check(batch.rows == rows, f"the batch applied {batch.rows} rows, expected {rows}")

    figures = measure(
        f"import: confirm, writes ({rows} rows)",
        rows,
        confirm,
        prepare=prepare_confirm,
        verify=verify_confirm,
        trace=trace,
        profile=profile,
    )
    figures.note = f"{applied['rows']} rows applied"
    results.append(figures)
    return results


# --- the report --------------------------------------------------------------------------------


def print_table(results: list[Figures]) -> None:
    headers = [
        "step",
        "runs",
        "median s",
        "min s",
        "queries",
        "q/row",
        "DB s",
        "peak +MiB",
        "max RSS MiB",
        "tracemalloc MiB",
    ]
    table = []
    for figures in results:
        table.append(
            [
                figures.label,
                str(len(figures.seconds)),
                f"{figures.median:.3f}",
                f"{min(figures.seconds):.3f}",
                str(figures.queries),
                f"{figures.queries / figures.rows:.1f}" if figures.rows else "-",
                f"{figures.db_seconds:.3f}",
                mib(figures.rss_growth),
                f"{figures.max_rss_kib / 1024:.0f}",
                mib(figures.peak_bytes),
            ]
        )
    widths = [max(len(row[i]) for row in [headers, *table]) for i in range(len(headers))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    print(line(headers))
    print("  ".join("-" * width for width in widths))
    for row in table:
        print(line(row))
    print(
        "\nqueries: statements sent in the (last) timed run; q/row: per line shown or row "
        "written;\nDB s: time inside the database driver (the rest is Python); peak +MiB: RSS "
        "peak above the RSS at the start of the step;\nmax RSS: the process's high-water mark "
        "so far; tracemalloc MiB: peak of Python allocations in an extra run (--tracemalloc)."
    )
    for figures in results:
        if figures.note:
            print(f"{figures.label}: {figures.note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entry-projects", type=int, default=500)
    parser.add_argument("--entry-changed", type=int, default=50)
    parser.add_argument("--import-rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the entry page")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="run each step once more under tracemalloc"
    )
    parser.add_argument("--only", choices=["entry", "import"], help="run one part only")
    parser.add_argument("--queries", type=int, default=0, help="print the top N query shapes")
    parser.add_argument("--profile", type=int, default=0, help="cProfile each step, top N")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    described, cleanup = prepare_database()
    setup = []
    try:
        return run(args, described, setup)
    except BenchFailure as failure:
        print(f"\nBENCH FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if cleanup:
            cleanup()


def run(args, described: str, setup: list) -> int:
    django = start_django(setup)
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    print(f"gaibo bench: {described}")
    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}, {database_version()}")
    print(f"code: {code_version()}")
    with stopwatch(setup, "migrate"):
        call_command("migrate", verbosity=0, interactive=False)

    from projects.choices import DistrictLevel
    from projects.models import District

    if District.objects.filter(code="990000").exists():
        raise BenchFailure("the database already holds the bench data (district 990000)")
    today = timezone.localdate()
    province = District.objects.create(code="990000", name="基准省", level=DistrictLevel.PROVINCE)
    city = District.objects.create(
        code="990100", name="基准市", level=DistrictLevel.CITY, parent=province
    )
    profiles = [] if args.profile else None
    trace = args.tracemalloc
    results = []
    if args.only in (None, "entry"):
        with stopwatch(setup, f"data + report_open, {args.entry_projects} projects"):
            _county, user, report = build_county(
                city=city,
                code="990101",
                name="甲县",
                projects=args.entry_projects,
                school_base=9901010000,
                today=today,
            )
        client = Client()
        client.force_login(user)
        results += bench_entry(
            client,
            report,
            lines=args.entry_projects,
            changed=args.entry_changed,
            repeat=args.repeat,
            trace=trace,
            profile=profiles,
        )
    if args.only in (None, "import"):
        with stopwatch(setup, f"data + report_open, {args.import_rows} projects"):
            _county, user, report = build_county(
                city=city,
                code="990102",
                name="乙县",
                projects=args.import_rows,
                school_base=9901020000,
                today=today,
            )
        client = Client()
        client.force_login(user)
        results += bench_import(
            client, report, rows=args.import_rows, trace=trace, profile=profiles
        )

    print(f"report period: {today:%Y-%m} (today {today}, {settings.TIME_ZONE})")
    print("setup (not in the figures): " + ", ".join(f"{k} {v:.1f} s" for k, v in setup))
    print()
    print_table(results)
    if args.queries:
        print_shapes(results, args.queries)
    if profiles:
        print_profiles(profiles, args.profile)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "database": described,
                    "setup_seconds": dict(setup),
                    "steps": [
                        {
                            "step": f.label,
                            "rows": f.rows,
                            "seconds": f.seconds,
                            "median_seconds": f.median,
                            "queries": f.queries,
                            "db_seconds": f.db_seconds,
                            "rss_growth_bytes": f.rss_growth,
                            "tracemalloc_peak_bytes": f.peak_bytes,
                            "max_rss_kib": f.max_rss_kib,
                            "note": f.note,
                        }
                        for f in results
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    print("\nAll checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
