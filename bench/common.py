"""What the benchmarks share: the throwaway database, the measuring (time, statements, memory,
cProfile) and the printing of statement shapes and profiles. Used by bench_reports.py and
bench_dashboard.py (run as scripts: this directory is on sys.path)."""

import cProfile
import ctypes
import gc
import io
import os
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class BenchFailure(Exception):
    """A check of the benchmark failed: the figures would not mean anything."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchFailure(message)


# --- the throwaway database ------------------------------------------------------------------


def prepare_database(prefix: str = "gaibo_bench") -> tuple[str, object]:
    """Point DATABASE_URL at a throwaway database; return (description, cleanup).

    A PostgreSQL one is named `<prefix>_<pid>`."""
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlsplit(url).scheme if url else ""
    if not url or scheme.startswith("sqlite"):
        directory = tempfile.mkdtemp(prefix="gaibo-bench-")
        path = Path(directory) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"

        def cleanup():
            shutil.rmtree(directory, ignore_errors=True)

        return f"SQLite, throwaway file {path}", cleanup
    if not scheme.startswith("postgres") and scheme != "pgsql":
        raise SystemExit(f"bench: unsupported DATABASE_URL scheme {scheme!r} (sqlite or postgres)")
    if os.environ.get("BENCH_REUSE_DATABASE") == "1":
        return f"PostgreSQL, the given database {_safe(url)} (BENCH_REUSE_DATABASE=1)", None

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"{prefix}_{os.getpid()}"
    admin_url = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

    def cleanup():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return f"PostgreSQL, throwaway database {name} on {_safe(url, path=False)}", cleanup


def _safe(url: str, path: bool = True) -> str:
    """The URL without its password (and without its database name if path is False)."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path if path else "", "", ""))


# --- measuring ---------------------------------------------------------------------------------


class QueryCounter:
    """A connection execute wrapper: how many statements, their time, and their shapes."""

    SHAPE_NOISE = [
        (re.compile(r'"?s\d+_x\d+"?'), "<savepoint>"),
        (re.compile(r"\b\d+\b"), "N"),
        (re.compile(r"'[^']*'"), "'…'"),
        (re.compile(r"(%s|\?)(, ?(%s|\?))+"), "…"),
    ]

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.shapes = Counter()

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1
            self.shapes[self.shape(sql)] += 1

    @classmethod
    def shape(cls, sql: str) -> str:
        for pattern, replacement in cls.SHAPE_NOISE:
            sql = pattern.sub(replacement, sql)
        return sql[:150]


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
STATM = Path("/proc/self/statm")


def current_rss() -> int | None:
    """The resident set size in bytes, where /proc tells it (Linux)."""
    try:
        return int(STATM.read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return None


class RssSampler:
    """The highest RSS while the block runs, above the RSS at its start (a background thread)."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.start = self.peak = current_rss()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while not self.stop.wait(self.interval):
            self.peak = max(self.peak, current_rss())

    def __enter__(self):
        if self.start is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.start is not None:
            self.stop.set()
            self.thread.join()
            self.peak = max(self.peak, current_rss())

    @property
    def growth(self) -> int | None:
        return None if self.start is None else self.peak - self.start


@dataclass
class Figures:
    label: str
    rows: int  # the rows the step handles (lines shown, rows saved, rows of the file)
    seconds: list = field(default_factory=list)
    queries: int = 0
    db_seconds: float = 0.0
    peak_bytes: int | None = None  # tracemalloc
    rss_growth: int | None = None  # the largest over the timed runs
    max_rss_kib: int = 0
    shapes: Counter = field(default_factory=Counter)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def release_memory() -> None:
    """Collect garbage and hand freed heap back to the OS (glibc), so that an RSS peak is the
    step's own."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(
    label, rows, action, *, prepare=None, verify=None, repeat=1, trace=False, profile=None, rss=True
):
    """Run `action(prepared)` `repeat` times timed, then once under tracemalloc if `trace`, then
    once under cProfile if `profile` is a list (the profiler is appended to it). With `rss`, a
    thread samples the RSS during each timed run (every 5 ms: it costs a short run a few
    milliseconds, so runs that report no memory go without).

    `prepare()` runs before each run and `verify(prepared, result)` after it, both untimed and
    not counted.
    """
    from django.db import connection

    figures = Figures(label, rows)
    for _run in range(repeat):
        prepared = prepare() if prepare else None
        counter = QueryCounter()
        release_memory()
        with (
            RssSampler() if rss else nullcontext() as sampler,
            connection.execute_wrapper(counter),
        ):
            start = time.perf_counter()
            result = action(prepared)
            figures.seconds.append(time.perf_counter() - start)
        if sampler is not None and sampler.growth is not None:
            figures.rss_growth = max(figures.rss_growth or 0, sampler.growth)
        if verify:
            verify(prepared, result)
        figures.queries = counter.count
        figures.db_seconds = counter.seconds
        figures.shapes = counter.shapes
    if trace:
        prepared = prepare() if prepare else None
        gc.collect()
        tracemalloc.start()
        tracemalloc.reset_peak()
        result = action(prepared)
        figures.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if verify:
            verify(prepared, result)
    if profile is not None:
        prepared = prepare() if prepare else None
        profiler = cProfile.Profile()
        profiler.enable()
        result = action(prepared)
        profiler.disable()
        if verify:
            verify(prepared, result)
        profile.append((label, profiler))
    figures.max_rss_kib = max_rss_kib()
    return figures


@contextmanager
def stopwatch(setup: list, label: str):
    start = time.perf_counter()
    yield
    setup.append((label, time.perf_counter() - start))


# --- printing ------------------------------------------------------------------------------------


def mib(size: int | None) -> str:
    return "-" if size is None else f"{size / 2**20:.1f}"


def print_shapes(results: list[Figures], top: int) -> None:
    for figures in results:
        print(f"\n-- {figures.label}: {figures.queries} statements, top shapes")
        for shape, count in figures.shapes.most_common(top):
            print(f"{count:>8}  {shape}")


def print_profiles(profiles, top: int) -> None:
    for label, profiler in profiles:
        print(f"\n-- cProfile: {label} (sorted by cumulative time, top {top})")
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(top)
        print(stream.getvalue())
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        print(f"-- cProfile: {label} (sorted by own time, top {top})")
        stats.sort_stats("tottime").print_stats(top)
        print(stream.getvalue())


def code_version() -> str:
    """The commit measured, and whether the working tree differs from it (git, if there)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%h %cd", "--date=iso"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    files = [line[3:] for line in changed if line.strip() and line[3:] != "Makefile"]
    if files:
        return f"{commit}, plus uncommitted changes to {', '.join(files)}"
    return f"{commit}, no uncommitted changes"


def database_version() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    if connection.vendor == "postgresql":
        number = connection.pg_version
        return f"PostgreSQL {number // 10000}.{number % 10000}"
    return connection.vendor


# --- Django ------------------------------------------------------------------------------------


def start_django(setup: list):
    """django.setup() (timed into `setup`), as in production and in the test runner: no query
    log, no debug templates; the test client's host allowed. Returns the django module."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaibo.settings")
    import django

    with stopwatch(setup, "django.setup"):
        django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return django
