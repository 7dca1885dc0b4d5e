from pathlib import Path

from django.core.management.base import BaseCommand

from gaibo.backup import backup


class Command(BaseCommand):
    help = (
        "Write the whole database and the files it refers to (photos) to one .zip archive "
        "(gaibo/backup.py says what it holds); `restore` reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="the .zip file to write")

    def handle(self, *args, archive, **options):
        manifest = backup(archive)
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {rows} rows of {len(manifest['tables'])} tables and "
            f"{len(manifest['media'])} files to {archive}."
        )
        for name in manifest["media_missing"]:
            self.stderr.write(f"Missing file, not in the backup: {name}")
