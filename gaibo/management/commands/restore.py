from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from gaibo.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace everything in the database, and the files it refers to, with a backup "
        "written by `backup` (all or nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="the .zip file written by `backup`")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, archive, interactive, **options):
        if not archive.is_file():
            raise CommandError(f"No such file: {archive}")
        name = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
        if interactive:
            answer = input(
                f"This replaces EVERYTHING in the database {name} with {archive}. "
                "Type 'yes' to continue: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        try:
            manifest = restore(archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {sum(manifest['tables'].values())} rows and {len(manifest['media'])} "
            f"files taken at {manifest['taken_at']}."
        )
