"""Backup and restore of the whole database and the files it refers to, in one .zip.

The archive holds `database.xml` — every row of every table (dumpdata of all apps: content
types, permissions, users, sessions, the change history and login records included, with
their primary keys, so every reference comes back as it was; Django's XML keeps times to the
microsecond, its JSON only to the millisecond), `media/<name>` for every file a FileField
refers to (supervision photos and their thumbnails; uploaded spreadsheets are rows), and
`manifest.json` (when, which database, the rows per table, the migrations applied). The
format is the database's own: a SQLite backup restores into PostgreSQL and back.

Restoring empties the database (flush) and loads the archive in one transaction: it either
all comes back or nothing changes. Only the data version comes back new (a new token: no page
kept since the backup is shown again, gaibo/data_version.py). The database must have the
migrations the backup was taken with (`manage.py migrate` first; the manifest lists them and
`restore` refuses a mismatch).
"""

import json
import tempfile
import zipfile
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from gaibo import data_version

DATABASE = "database.xml"
MANIFEST = "manifest.json"
MEDIA = "media/"


class BackupError(Exception):
    pass


def table_counts() -> dict[str, int]:
    """Rows per table, for every model (many-to-many tables included)."""
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _migrations() -> list[str]:
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _media_files() -> set[str]:
    """The names of the files the database refers to."""
    names = set()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                values = model._base_manager.exclude(**{model_field.name: ""}).values_list(
                    model_field.name, flat=True
                )
                names.update(name for name in values if name)
    return names


def backup(path: Path) -> dict:
    """Write the archive; return its manifest."""
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / DATABASE
        connection = connections[DEFAULT_DB_ALIAS]
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # Every table read from one snapshot, while the app keeps running.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            call_command("dumpdata", format="xml", output=str(dump), verbosity=0)
            counts = table_counts()
            files = sorted(_media_files())
        missing = [name for name in files if not default_storage.exists(name)]
        manifest = {
            "taken_at": timezone.now().isoformat(),
            "database": connections[DEFAULT_DB_ALIAS].vendor,
            "migrations": _migrations(),
            "tables": counts,
            "media": [name for name in files if name not in missing],
            "media_missing": missing,
        }
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(dump, DATABASE)
            for name in manifest["media"]:
                with default_storage.open(name) as source:
                    archive.writestr(MEDIA + name, source.read())
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def restore(path: Path) -> dict:
    """Replace the whole database (and the files it refers to) with the archive's."""
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
        manifest = json.loads(archive.read(MANIFEST))
        if manifest["migrations"] != _migrations():
            raise BackupError(
                "The database's migrations differ from the backup's: check out the version "
                "the backup was taken with, migrate, restore, then upgrade."
            )
        dump = Path(folder) / DATABASE
        dump.write_bytes(archive.read(DATABASE))
        connection = connections[DEFAULT_DB_ALIAS]
        with transaction.atomic():
            postgresql = connection.vendor == "postgresql"
            if postgresql:  # TRUNCATE refuses tables with foreign-key checks still pending
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Emptied without the rows migrate adds (content types, permissions): the backup
            # brings them back with their own keys.
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            if postgresql:  # rows may come in any order; checked when the load is complete
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            call_command("loaddata", str(dump), verbosity=0)
            counts = table_counts()
            if counts != manifest["tables"]:
                raise BackupError("The restored tables do not have the backup's rows.")
            data_version.bump()  # not the backup's token: no page kept since comes back
        for name in manifest["media"]:
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, ContentFile(archive.read(MEDIA + name)))
    return manifest
