"""Benchmark of the dashboard: a synthetic province (dashboard/synthetic.py) at full scale, and
the city page, the county page and the city's JSON through django.test.Client, each beside
one hand-written SQL query computing the same headline figures.

    .venv/bin/python bench/bench_dashboard.py --small      # 15 s on SQLite
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python \\
        bench/bench_dashboard.py                          # full scale: 40,000 projects, 5 min
    .venv/bin/python bench/bench_dashboard.py --help

The database is a throwaway one, as for bench_reports.py: a temp SQLite file, or a new
`gaibo_synth_bench_<pid>` database created on DATABASE_URL's PostgreSQL server and dropped at
the end. With BENCH_REUSE_DATABASE=1 the database the URL names is used and kept: a province
already there (same --code) is measured as it is instead of generated again, which saves the
generation when trying changes.

Each page is requested once to warm up, then --repeat times: the median and min wall time of
the request (the server's whole work: middleware, view, queries, template; not the connection
to the database, which the test client keeps open), the statements sent and the time inside
the database driver. Each page is measured twice: drawn from the data, as the first request
after any write (the data version is raised, untimed, before each request), and shown again
with nothing written since, from the page cache (gaibo/page_cache.py). The reference is ONE
raw SQL statement (one cursor.execute) returning the headline figures of the same district and
month: planned area, started and completed area of each county's latest approved report up to
the month end (its kept totals), planned amount, funds arrived and paid up to the month end; it
is checked equal to the dashboard's own headline, and timed the same way (median of --repeat).
The targets of the issue: a page under 300 ms, and within 1.5× of that SQL.

A second, tiny province is generated too and the same three requests counted there: a
dashboard's statement count should not grow with the counties, schools or projects.

--profile N adds one run of each page under cProfile (top N functions); --explain N prints
the N slowest statements of each page with their plan (EXPLAIN ANALYZE on PostgreSQL);
--try-sql "CREATE INDEX …" (repeatable) runs statements in the throwaway database after the
measurements and measures again, to try an index before proposing a migration. The connection
is opened again after them (the test client otherwise keeps one for all requests), so settings
are tried with ALTER DATABASE, {database} standing for its name:
--try-sql 'ALTER DATABASE "{database}" SET jit = off'. Those settings stay with the database:
harmless for a throwaway one, to be RESET on one kept with BENCH_REUSE_DATABASE=1.
"""

import argparse
import io
import json
import pstats
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from common import (
    BenchFailure,
    Figures,
    QueryCounter,
    check,
    code_version,
    database_version,
    measure,
    prepare_database,
    print_shapes,
    start_django,
    stopwatch,
)

PAGE_TARGET_SECONDS = 0.300
RATIO_TARGET = 1.5

# (counties, cities, schools per county, projects per school, months)
FULL = (100, 10, 100, 4, 24)
SMALL = (10, 2, 20, 4, 12)
TINY = (4, 2, 5, 2, 3)
TINY_CODE = "980000"


class SlowStatements:
    """An execute wrapper keeping each statement with its parameters and time."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - start, sql, params, many))

    def slowest(self, count: int):
        return sorted((item for item in self.statements if not item[3]), key=lambda item: -item[0])[
            :count
        ]


@dataclass
class Page:
    label: str
    url: str
    client: object
    district: object
    figures: Figures | None = None
    kept: Figures | None = None
    sql_seconds: list = field(default_factory=list)
    after: Figures | None = None
    sql_after: list = field(default_factory=list)
    tiny_queries: int | None = None
    bytes: int = 0

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_seconds)


# --- the reference query ------------------------------------------------------------------------


def reference_sql():
    """One statement: the headline figures of a district's programme for a month."""
    from funding.models import Arrival, Payment
    from projects.models import District, Project, School
    from reports.models import Report, ReportTotals

    tables = {
        "district": District._meta.db_table,
        "school": School._meta.db_table,
        "project": Project._meta.db_table,
        "report": Report._meta.db_table,
        "totals": ReportTotals._meta.db_table,
        "arrival": Arrival._meta.db_table,
        "payment": Payment._meta.db_table,
    }
    return """
WITH counties AS (
    SELECT d.id FROM {district} d LEFT JOIN {district} up ON up.id = d.parent_id
    WHERE d.level = 'county' AND (d.id = %(district)s OR d.parent_id = %(district)s
                                  OR up.parent_id = %(district)s)
), plan AS (
    SELECT p.id, p.planned_area, p.planned_amount
    FROM {project} p JOIN {school} s ON s.id = p.school_id
    WHERE s.county_id IN (SELECT id FROM counties) AND p.programme = %(programme)s
), counted AS (
    SELECT t.started_area, t.completed_area,
           ROW_NUMBER() OVER (PARTITION BY r.county_id ORDER BY r.ends_on DESC) AS latest
    FROM {totals} t JOIN {report} r ON r.id = t.report_id
    WHERE r.county_id IN (SELECT id FROM counties) AND r.half = 0
      AND r.ends_on <= %(end)s AND r.state = 'approved'
)
SELECT
    (SELECT COALESCE(SUM(planned_area), 0) FROM plan),
    (SELECT COALESCE(SUM(started_area), 0) FROM counted WHERE latest = 1),
    (SELECT COALESCE(SUM(completed_area), 0) FROM counted WHERE latest = 1),
    (SELECT COALESCE(SUM(planned_amount), 0) FROM plan),
    (SELECT COALESCE(SUM(a.amount), 0) FROM {arrival} a
     WHERE a.project_id IN (SELECT id FROM plan) AND a.arrived_on <= %(end)s),
    (SELECT COALESCE(SUM(y.amount), 0) FROM {payment} y
     WHERE y.project_id IN (SELECT id FROM plan) AND y.paid_on <= %(end)s)
""".format(**tables)


HEADLINE = ("planned area", "started area", "completed area", "planned", "arrived", "paid")


def run_reference(district, year: int, month: int) -> tuple:
    from django.db import connection

    from dashboard.selectors import month_end
    from reports.selectors import programme_of

    params = {
        "district": district.pk,
        "programme": programme_of(year),
        "end": month_end(year, month).isoformat(),
    }
    with connection.cursor() as cursor:
        cursor.execute(reference_sql(), params)
        return cursor.fetchone()


def dashboard_headline(user, district, year: int, month: int) -> tuple:
    from dashboard.selectors import district_dashboard

    headline = district_dashboard(user=user, district=district, year=year, month=month).headline
    return (
        headline.planned_area,
        headline.progress.started_area,
        headline.progress.completed_area,
        headline.funds.planned,
        headline.funds.arrived,
        headline.funds.paid,
    )


def check_reference(page: Page, user, year: int, month: int) -> None:
    """The SQL answers what the dashboard shows (to the fen: SQLite sums decimals as floats)."""
    sql = run_reference(page.district, year, month)
    shown = dashboard_headline(user, page.district, year, month)
    for name, mine, theirs in zip(HEADLINE, sql, shown, strict=True):
        check(
            abs(Decimal(str(mine)) - theirs) < Decimal("0.01"),
            f"{page.label}: the SQL's {name} is {mine}, the dashboard's {theirs}",
        )


def time_reference(page: Page, year: int, month: int, repeat: int) -> list:
    run_reference(page.district, year, month)  # warm up
    seconds = []
    for _run in range(repeat):
        start = time.perf_counter()
        run_reference(page.district, year, month)
        seconds.append(time.perf_counter() - start)
    return seconds


# --- the pages ----------------------------------------------------------------------------------


def changed(*_args):
    """Something was written: the next request draws its page from the data again."""
    from gaibo import data_version

    data_version.bump()


def measure_page(page: Page, repeat: int, profiles=None, *, kept: bool = False) -> Figures:
    """The page drawn from the data (as after any write), or, with kept, shown again from the
    page cache (gaibo/page_cache.py) with nothing written since."""

    def get(_prepared):
        return page.client.get(page.url)

    def verify(_prepared, response):
        check(response.status_code == 200, f"{page.label} answered {response.status_code}")
        name = page.district.name.encode()
        check(name in response.content, f"{page.label} does not name {page.district.name}")
        page.bytes = len(response.content)

    verify(None, get(None))  # warm up: templates, URLconf, translations, connection
    return measure(
        page.label,
        0,
        get,
        prepare=None if kept else changed,
        verify=verify,
        repeat=repeat,
        profile=profiles,
        rss=False,  # not reported here; sampling it would slow the shortest pages
    )


def count_queries(client, url: str) -> int:
    from django.db import connection

    client.get(url)
    changed()
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = client.get(url)
    check(response.status_code == 200, f"{url} answered {response.status_code}")
    return counter.count


def explain(page: Page, count: int) -> None:
    """The slowest statements of one request, each with its plan."""
    from django.db import connection

    statements = SlowStatements()
    changed()
    with connection.execute_wrapper(statements):
        page.client.get(page.url)
    total = sum(item[0] for item in statements.statements)
    print(
        f"\n-- {page.label}: {len(statements.statements)} statements, {total * 1000:.1f} ms in "
        f"the driver; the {count} slowest"
    )
    for seconds, sql, params, _many in statements.slowest(count):
        print(f"\n{seconds * 1000:8.1f} ms  {sql[:2000]}")
        print(f"           params {str(params)[:300]}")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            for row in cursor.fetchall():
                print("    " + " | ".join(str(cell) for cell in row))


# --- the output ---------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_results(pages: list[Page], *, after: bool = False, kept: bool = False) -> None:
    headers = [
        "page",
        "median ms",
        "min ms",
        "queries",
        "DB ms",
        "KiB",
        "SQL ref ms",
        "page/SQL",
        f"< {PAGE_TARGET_SECONDS * 1000:.0f} ms",
        f"≤ {RATIO_TARGET}× SQL",
    ]
    rows = []
    for page in pages:
        figures = page.after if after else page.kept if kept else page.figures
        sql = statistics.median(page.sql_after if after else page.sql_seconds)
        ratio = figures.median / sql
        rows.append(
            [
                page.label,
                f"{figures.median * 1000:.1f}",
                f"{min(figures.seconds) * 1000:.1f}",
                str(figures.queries),
                f"{figures.db_seconds * 1000:.1f}",
                f"{page.bytes / 1024:.0f}",
                f"{sql * 1000:.2f}",
                f"{ratio:.1f}×",
                verdict(figures.median < PAGE_TARGET_SECONDS),
                verdict(ratio <= RATIO_TARGET),
            ]
        )
    print_grid(headers, rows)
    if kept:
        return
    print(
        "\nmedian/min: wall time of the request through django.test.Client (the server's whole "
        "work); queries: statements sent\nin the last run; DB ms: time inside the database "
        "driver in that run; SQL ref: one raw statement computing the\nheadline (median of the "
        "same runs); page/SQL: the ratio the issue wants ≤ 1.5."
    )


def print_grid(headers, rows) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    print(line(headers))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print(line(row))


def print_profiles(profiles, top: int) -> None:
    """Each profile three ways: by cumulative time, by own time, and the app's own functions
    (not Django's or psycopg's) by cumulative time."""
    root = str(Path(__file__).resolve().parent.parent) + "/"
    app = re.escape(root) + r"(dashboard|reports|funding|projects|gaibo|templates)/"
    for label, profiler in profiles:
        for order, restriction, title in (
            ("cumulative", (), "by cumulative time"),
            ("tottime", (), "by own time"),
            ("cumulative", (app,), "the app's functions by cumulative time"),
        ):
            stream = io.StringIO()
            stats = pstats.Stats(profiler, stream=stream)
            stats.sort_stats(order).print_stats(*restriction, top)
            text = re.sub(r"/\S*/site-packages/", "", stream.getvalue()).replace(root, "")
            print(f"\n-- cProfile: {label}, {title} (top {top})\n{text}")


# --- the run ------------------------------------------------------------------------------------


SCALE_FIELDS = ("counties", "cities", "schools_per_county", "projects_per_school", "months")


def scale_of(args, preset) -> dict:
    """A preset's figures, each replaced by the option given for it."""
    return {
        name: getattr(args, name) or default
        for name, default in zip(SCALE_FIELDS, preset, strict=True)
    }


def province_of(scale, setup: list, label: str):
    """The province of this scale: generated, or found there (BENCH_REUSE_DATABASE=1)."""
    from dashboard.synthetic import generate
    from projects.models import District

    province = District.objects.filter(code=scale.code).first()
    if province is not None:
        print(f"{label}: province {scale.code} found in the database, measured as it is")
        return province
    with stopwatch(setup, f"generate {label}"):
        result = generate(scale, log=lambda text: print(f"  {text}"))
    return result.province


def describe(province) -> str:
    from projects.models import District, Project, School
    from reports.models import Report, ReportLine

    counties = District.objects.filter(parent__parent=province)
    return (
        f"{District.objects.filter(parent=province).count()} cities, {counties.count()} "
        f"counties, {School.objects.filter(county__in=counties).count():,} schools, "
        f"{Project.objects.filter(school__county__in=counties).count():,} projects, "
        f"{Report.objects.filter(county__in=counties).count():,} reports, "
        f"{ReportLine.objects.filter(report__county__in=counties).count():,} report lines"
    )


def run(args, described: str, setup: list) -> int:
    django = start_django(setup)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from dashboard.synthetic import Scale
    from gaibo.models import User
    from projects.models import Project

    print(f"gaibo dashboard bench: {described}")
    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}, {database_version()}")
    print(f"code: {code_version()}")
    with stopwatch(setup, "migrate"):
        call_command("migrate", verbosity=0, interactive=False)

    main = Scale(
        **scale_of(args, SMALL if args.small else FULL),
        end=args.end,
        seed=args.seed,
        code=args.code,
        user_prefix="synth",
    )
    tiny = Scale(
        **dict(zip(SCALE_FIELDS, TINY, strict=True)),
        end=args.end,
        seed=args.seed,
        code=TINY_CODE,
        user_prefix="synth_tiny",
    )
    print(
        f"\nScale: {main.counties} counties in {main.city_count} cities × "
        f"{main.schools_per_county} schools × {main.projects_per_school} projects, "
        f"{main.months} months to {main.end[0]}-{main.end[1]:02d}"
    )
    province = province_of(main, setup, "the province")
    province_of(tiny, setup, "the tiny province")
    if connection.vendor == "postgresql":
        with stopwatch(setup, "VACUUM ANALYZE"), connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    print(f"\nThe province {province.code}: {describe(province)}")

    year, month = main.end
    users = {user.username: user for user in User.objects.filter(username__startswith="synth")}
    city_user, county_user = users["synth_city"], users["synth_county"]
    city, county = city_user.district, county_user.district
    city_projects = Project.objects.filter(school__county__parent=city).count()
    county_projects = Project.objects.filter(school__county=county).count()
    query = f"month={year}-{month:02d}"
    city_client, county_client = Client(), Client()
    city_client.force_login(city_user)
    county_client.force_login(county_user)
    pages = [
        Page(
            f"city page {city.code} ({city.children.count()} counties, {city_projects:,} projects)",
            f"/dashboard/?district={city.code}&{query}",
            city_client,
            city,
        ),
        Page(
            f"county page {county.code} ({county_projects:,} projects)",
            f"/dashboard/?district={county.code}&{query}",
            county_client,
            county,
        ),
        Page(
            f"city JSON {city.code}",
            f"/dashboard/api/?district={city.code}&{query}",
            city_client,
            city,
        ),
    ]
    print(f"Month {year}-{month:02d}; users synth_city ({city.name}), synth_county ({county.name})")
    for page, user in zip(pages, (city_user, county_user, city_user), strict=True):
        check_reference(page, user, year, month)

    profiles = [] if args.profile else None
    for page in pages:
        page.figures = measure_page(page, args.repeat, profiles)
        page.kept = measure_page(page, args.repeat, kept=True)
        page.sql_seconds = time_reference(page, year, month, args.repeat)

    tiny_users = {u.username: u for u in User.objects.filter(username__startswith="synth_tiny")}
    tiny_clients = {}
    for name in ("synth_tiny_city", "synth_tiny_county"):
        tiny_clients[name] = Client()
        tiny_clients[name].force_login(tiny_users[name])
    tiny_city = tiny_users["synth_tiny_city"].district
    tiny_county = tiny_users["synth_tiny_county"].district
    tiny_urls = (
        (tiny_clients["synth_tiny_city"], f"/dashboard/?district={tiny_city.code}&{query}"),
        (tiny_clients["synth_tiny_county"], f"/dashboard/?district={tiny_county.code}&{query}"),
        (tiny_clients["synth_tiny_city"], f"/dashboard/api/?district={tiny_city.code}&{query}"),
    )
    for page, (client, url) in zip(pages, tiny_urls, strict=True):
        page.tiny_queries = count_queries(client, url)

    print("setup (not in the figures): " + ", ".join(f"{k} {v:.1f} s" for k, v in setup))
    print("\nDrawn from the data (each request after a write: the data version raised before it):")
    print_results(pages)
    print(
        "\nShown again, nothing written since (the page kept by gaibo/page_cache.py; the same "
        "SQL reference):"
    )
    print_results(pages, kept=True)
    tiny_projects = Project.objects.filter(school__county__parent=tiny_city).count()
    print(
        f"\nStatements at two scales (the tiny province: {tiny.counties} counties, "
        f"{tiny_projects} projects in the city, {tiny.months} months):"
    )
    rows = [
        [
            page.label,
            str(page.tiny_queries),
            str(page.figures.queries),
            "same" if page.tiny_queries == page.figures.queries else "GROWS",
        ]
        for page in pages
    ]
    print_grid(["page", "tiny", "this scale", "count"], rows)

    if args.queries:
        print_shapes([page.figures for page in pages], args.queries)
    if args.explain:
        for page in pages:
            explain(page, args.explain)
    if profiles:
        print_profiles(profiles, args.profile)

    if args.try_sql:
        print("\nTrying:")
        with connection.cursor() as cursor:
            for statement in args.try_sql:
                statement = statement.replace("{database}", connection.settings_dict["NAME"])
                start = time.perf_counter()
                cursor.execute(statement)
                print(f"  {statement}  ({time.perf_counter() - start:.1f} s)")
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        connection.close()  # the next request connects again, with the database's new settings
        for page in pages:
            page.after = measure_page(page, args.repeat)
            page.sql_after = time_reference(page, year, month, args.repeat)
        print("\nAfter:")
        print_results(pages, after=True)
        for page in pages:
            change = page.after.median / page.figures.median - 1
            print(
                f"{page.label}: {page.figures.median * 1000:.1f} → "
                f"{page.after.median * 1000:.1f} ms ({change:+.0%}), queries "
                f"{page.figures.queries} → {page.after.queries}"
            )
        if args.explain:
            for page in pages:
                explain(page, args.explain)

    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "database": described,
                    "scale": scale_of(args, SMALL if args.small else FULL),
                    "province": describe(province),
                    "setup_seconds": dict(setup),
                    "pages": [
                        {
                            "page": page.label,
                            "url": page.url,
                            "seconds": page.figures.seconds,
                            "median_seconds": page.figures.median,
                            "kept_seconds": page.kept.seconds,
                            "kept_median_seconds": page.kept.median,
                            "kept_queries": page.kept.queries,
                            "queries": page.figures.queries,
                            "tiny_queries": page.tiny_queries,
                            "db_seconds": page.figures.db_seconds,
                            "sql_seconds": page.sql_seconds,
                            "after_median_seconds": page.after.median if page.after else None,
                        }
                        for page in pages
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    for label, which in (("drawn", "figures"), ("shown again", "kept")):
        met = all(
            getattr(page, which).median < PAGE_TARGET_SECONDS
            and getattr(page, which).median / page.sql_median <= RATIO_TARGET
            for page in pages
        )
        verdict_text = "all met" if met else "NOT all met"
        print(f"Targets (< 300 ms, ≤ 1.5× SQL), pages {label}: {verdict_text}.")
    print("All checks passed.")
    return 0


def year_month(value: str) -> tuple[int, int]:
    year, _dash, month = value.partition("-")
    try:
        return int(year), int(month)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"YYYY-MM, not {value!r}") from error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--small", action="store_true", help="10 counties × 20 schools × 4 projects, 12 months"
    )
    parser.add_argument("--counties", type=int, help="default 100 (--small: 10)")
    parser.add_argument("--cities", type=int, help="default 10 (--small: 2)")
    parser.add_argument("--schools-per-county", type=int, help="default 100 (--small: 20)")
    parser.add_argument("--projects-per-school", type=int, help="default 4")
    parser.add_argument("--months", type=int, help="default 24 (--small: 12)")
    parser.add_argument("--end", type=year_month, default=(2025, 12), help="YYYY-MM, 2025-12")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--code", default="990000", help="the province code")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each page")
    parser.add_argument("--queries", type=int, default=0, help="print the top N query shapes")
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        default=0,
        help="one more run of each page under cProfile, top N (25)",
    )
    parser.add_argument(
        "--explain", type=int, default=0, help="the N slowest statements of each page, explained"
    )
    parser.add_argument(
        "--try-sql",
        action="append",
        default=[],
        metavar="SQL",
        help='run this after the measurements (CREATE INDEX …; ALTER DATABASE "{database}" '
        "SET …) and measure again",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    described, cleanup = prepare_database(prefix="gaibo_synth_bench")
    setup = []
    try:
        return run(args, described, setup)
    except BenchFailure as failure:
        print(f"\nBENCH FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if cleanup:
            cleanup()


if __name__ == "__main__":
    sys.exit(main())
