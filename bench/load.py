"""`make load`: 50 users at once against gunicorn and PostgreSQL on loopback, for a few minutes.

    .venv/bin/python bench/load.py                     # 50 users, 3 minutes
    .venv/bin/python bench/load.py --users 20 --minutes 1

On a throwaway PostgreSQL database (DATABASE_URL's server, postgres://postgres@127.0.0.1:5432
by default; created and dropped): migrate, the 营口 demo, then the December 2017 report of
each county opened for entry (the city grants each county an exception to the deadline), and
the static files collected. gunicorn serves the app with production settings (GAIBO_DEBUG off)
on 127.0.0.1 only; locust (bench/locustfile.py) runs headless against it: county bureaus
entering and uploading their report and editing projects, finance bureaus correcting
payments, the city and province reading dashboards, JSON and exports. The run is bounded by
--minutes (locust is stopped two minutes after); the exit status is 1 when any request
failed. Stopped early (Ctrl-C, SIGTERM), it still stops the server and drops the database.
The database must be on this machine unless --allow-remote-database is given.
It prints locust's figures per request kind (count, failures, median, 95th and 99th
percentile, max) and writes them to --csv when given.
"""

import argparse
import csv
import datetime
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from common import prepare_database, start_django

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare_targets() -> dict:
    """What the users work on: each demo county's December 2017 report, opened for entry (the
    city grants the county an exception to the deadline), and some of its projects and
    payments."""
    from funding.models import Payment
    from gaibo.models import User
    from projects.choices import Programme
    from projects.models import District, Project
    from reports import services
    from reports.models import DeadlineException

    city = User.objects.get(username="yingkou")
    targets = {"reports": {}, "projects": {}, "payments": {}}
    for username, code in (("gaizhou", "210881"), ("dashiqiao", "210882")):
        county = District.objects.get(code=code)
        services.deadline_exception_grant(
            exception=DeadlineException(
                county=county,
                year=2017,
                month=12,
                until=datetime.date.today() + datetime.timedelta(days=2),
                reason="负载测试：补报2017年12月月报。",
            ),
            acting_user=city,
        )
        report = services.report_open(
            county=county,
            year=2017,
            month=12,
            half=0,
            acting_user=User.objects.get(username=username),
        )
        targets["reports"][username] = report.get_absolute_url()
        projects = Project.objects.filter(
            school__county=county, programme=Programme.COMPREHENSIVE
        ).order_by("code")
        targets["projects"][username] = list(projects.values_list("pk", flat=True)[:10])
        payments = Payment.objects.filter(project__school__county=county).order_by("pk")
        targets["payments"][f"{username}_finance"] = list(
            payments.values_list("pk", flat=True)[:10]
        )
    return targets


def wait_for(url: str, seconds: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"load: the server did not answer {url} in {seconds} s") from None
            time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--csv", help="also write locust's statistics to this file")
    parser.add_argument(
        "--allow-remote-database",
        action="store_true",
        help="accept a DATABASE_URL whose host is not this machine",
    )
    options = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "pgsql")):
        os.environ["DATABASE_URL"] = url = DEFAULT_URL
    host = urlsplit(url).hostname or "localhost"
    if host not in ("127.0.0.1", "localhost", "::1") and not options.allow_remote_database:
        raise SystemExit(f"load: {host} is not this machine (--allow-remote-database to use it)")
    # Stopped by `timeout` or CI (SIGTERM) as by Ctrl-C: the finally blocks below stop the
    # server and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    description, cleanup = prepare_database("gaibo_load")
    scratch = Path(tempfile.mkdtemp(prefix="gaibo-load-"))
    env = {
        **os.environ,
        "GAIBO_DEBUG": "0",
        "GAIBO_SECRET_KEY": "load-test-only-" + os.urandom(16).hex(),
        "GAIBO_ALLOWED_HOSTS": "127.0.0.1",
        "GAIBO_HTTPS": "false",  # plain HTTP on loopback: no Secure cookies, no redirect
        "GAIBO_CONN_MAX_AGE": "60",
    }
    server = None
    try:
        print(f"gaibo load test: {description}", flush=True)
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("load_demo", env=env)
        manage("collectstatic", "--noinput", "-v", "0", env=env)
        start_django([])
        load_targets = prepare_targets()
        from django.db import connections

        connections.close_all()

        port = free_port()
        host = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "gaibo.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
                "--threads",
                str(options.threads),
                "--timeout",
                "60",
                # Longer than a user's pause between requests (1-3 s), as behind nginx: a
                # connection is not closed while the client is sending on it.
                "--keep-alive",
                "10",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for(f"{host}/login/")
        print(
            f"gunicorn on {host} ({options.workers} workers × {options.threads} threads); "
            f"locust: {options.users} users for {options.minutes:g} min",
            flush=True,
        )
        prefix = scratch / "locust"
        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                host,
                "--users",
                str(options.users),
                "--spawn-rate",
                str(options.spawn_rate),
                "--run-time",
                f"{int(options.minutes * 60)}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "LOAD_TARGETS": json.dumps(load_targets)},
            timeout=options.minutes * 60 + 120,
        )
        stats = Path(f"{prefix}_stats.csv").read_text()
        failures = Path(f"{prefix}_failures.csv").read_text()
        print_figures(stats, failures)
        if options.csv:
            Path(options.csv).write_text(stats)
        failed = any(int(row["Failure Count"]) for row in csv.DictReader(io.StringIO(stats)))
        return 1 if failed or locust.returncode not in (0,) else 0
    finally:
        try:
            stop(server)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            if cleanup is not None:
                cleanup()


def stop(server) -> None:
    """Stop gunicorn: politely, then for good."""
    if server is None or server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def print_figures(stats: str, failures: str) -> None:
    rows = list(csv.DictReader(io.StringIO(stats)))
    header = f"{'request':<34} {'count':>7} {'failed':>6} {'median':>7} {'95%':>7} {'99%':>7}"
    print(f"\n{header} {'max':>7}  (ms)")
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        if row["Type"] == "TOLD":  # refused because somebody saved first, and told so
            name = f"{name}: told"
        print(
            f"{name:<34} {row['Request Count']:>7} {row['Failure Count']:>6} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} "
            f"{float(row['Max Response Time']):>7.0f}"
        )
    listed = list(csv.DictReader(io.StringIO(failures)))
    for row in listed:
        print(f"FAILED {row['Method']} {row['Name']}: {row['Error']} ×{row['Occurrences']}")


if __name__ == "__main__":
    sys.exit(main())
