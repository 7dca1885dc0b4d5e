"""The data version: a number that changes after every commit that changed the data, so that a
page drawn from the data can be kept and shown again until the data changes (gaibo/page_cache.py).

Every statement the application sends goes through `watch_writes`, a database execute wrapper
installed on each connection (gaibo.apps). An INSERT, UPDATE, DELETE or TRUNCATE of a table
holding data (not sessions, sign-in attempts, API key use or this counter) arranges for
`bump` to run once the transaction commits; a transaction rolled back bumps nothing. Catching
the statements, rather than calling `bump` from each service, keeps every write path covered:
services, imports, the admin, management commands and raw SQL alike.

The number is kept in the database (one row of gaibo.DataVersion), so that every process and
server sees the same one. It is raised after the commit, in its own statement: a page drawn
between the commit and the raise is drawn from the new data under the old number, which is
harmless, and a page drawn before the commit is kept under a number the raise makes stale.
"""

import contextlib
import re

from django.db import DatabaseError, connection, transaction
from django.db.models import F

from gaibo.models import DataVersion

WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE
)
TRUNCATE = re.compile(r"^\s*TRUNCATE\b", re.IGNORECASE)
# Writes that change no figure of any page: bookkeeping of sign-ins, sessions and API keys,
# and the counter itself.
NOT_DATA = ("django_session", "axes_", "gaibo_apitoken", DataVersion._meta.db_table)


def current() -> int:
    """The data version now (0 before the first bump of a new database)."""
    value = DataVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    return value or 0


def bump() -> None:
    """Raises the data version by one (creating its row in a database that lost it)."""
    if not DataVersion.objects.filter(pk=1).update(value=F("value") + 1):
        DataVersion.objects.bulk_create([DataVersion(pk=1, value=1)], ignore_conflicts=True)


def pending(using=None) -> bool:
    """True while the connection's transaction has written data not yet committed: a page drawn
    now shows figures no one else sees yet, and must be neither kept nor taken from the cache."""
    conn = transaction.get_connection(using) if using else connection
    return any(func is bump for _sids, func, _robust in conn.run_on_commit)


def is_data_write(sql: str) -> bool:
    match = WRITE.match(sql)
    if match:
        return not match.group(1).lower().startswith(NOT_DATA)
    return bool(TRUNCATE.match(sql))


def watch_writes(execute, sql, params, many, context):
    """The execute wrapper: runs the statement, then, if it wrote data, arranges the bump."""
    result = execute(sql, params, many, context)
    if not _migrating and is_data_write(sql):
        conn = context["connection"]
        if not any(func is bump for _sids, func, _robust in conn.run_on_commit):
            # Outside a transaction on_commit runs at once, after the statement committed.
            transaction.on_commit(bump, using=conn.alias, robust=True)
    return result


_migrating = False


def migrating(sender=None, **kwargs) -> None:
    """pre_migrate receiver: no bumps while migrations run (the counter's table may not exist)."""
    global _migrating
    _migrating = True


def migrated(sender=None, **kwargs) -> None:
    """post_migrate receiver: bumps once, for whatever the migrations changed (unless they were
    undone to before the counter's table)."""
    global _migrating
    _migrating = False
    with contextlib.suppress(DatabaseError):
        bump()


def install(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: wraps the new connection's statements (once)."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)
