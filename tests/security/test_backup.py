"""Backup and restore: the loaded demo, with a photo and an uploaded file, goes out to one
archive and comes back with every table's rows and every file exactly as they were."""

import hashlib
import json
import zipfile

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from gaibo.models import DataVersion, ImportBatch, User
from inspections import services as inspections
from inspections.models import Visit, VisitPhoto
from projects.choices import DistrictLevel
from tests.factories import DistrictFactory
from tests.inspections.factories import processed

pytestmark = pytest.mark.django_db


def _plain(value):
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def checksums() -> dict[str, tuple[int, str]]:
    """Every table's rows and a checksum of their contents; but the data version, which a
    restore replaces so that no page kept since the backup is shown (gaibo/data_version.py)."""
    result = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy or model is DataVersion:
            continue
        rows = sorted(
            json.dumps(row, default=_plain, sort_keys=True, ensure_ascii=False)
            for row in model._base_manager.values()
        )
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        result[model._meta.db_table] = (len(rows), digest)
    return result


@pytest.fixture
def demo_with_files(loaded_demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    inspector = User.objects.get(username="inspector")
    visit = Visit.objects.visible_to(inspector).order_by("pk").first()
    [photo] = inspections.visit_photos_add(
        visit=visit, photos=[processed()], acting_user=inspector, caption="操场"
    )
    ImportBatch.objects.create(
        kind="funding.payments",
        uploaded_by=inspector,
        file_name="支付.xlsx",
        content=b"PK\x03\x04\x00\xff binary",
        rows=1,
    )
    return photo


def test_backup_then_restore_loses_nothing(demo_with_files, tmp_path, capsys):
    photo = demo_with_files
    image = photo.image.read()
    before = checksums()
    # The demo: 118 projects of 2014-2018 and the 5 of 盖州市's approved 2021-2025 plan.
    assert before["projects_project"][0] == 118 + 5 and before["inspections_visitphoto"][0] == 1
    archive = tmp_path / "gaibo-backup.zip"

    call_command("backup", archive)
    assert "Backed up" in capsys.readouterr().out
    with zipfile.ZipFile(archive) as package:
        names = set(package.namelist())
    assert {"database.xml", "manifest.json", f"media/{photo.image.name}"} <= names

    # Things change after the backup: a row added, rows deleted, a photo lost.
    DistrictFactory(code="990000", name="新增", level=DistrictLevel.PROVINCE)
    ImportBatch.objects.all().delete()
    default_storage.delete(photo.image.name)

    call_command("restore", archive, interactive=False)
    assert checksums() == before
    restored = VisitPhoto.objects.get(pk=photo.pk)
    assert restored.image.read() == image


def test_restore_refuses_a_backup_of_other_migrations_and_changes_nothing(
    demo_with_files, tmp_path
):
    archive = tmp_path / "old.zip"
    call_command("backup", archive)
    edited = tmp_path / "edited.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(edited, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"] = manifest["migrations"][:-1]
                data = json.dumps(manifest).encode()
            target.writestr(name, data)
    before = checksums()
    with pytest.raises(CommandError, match="migrations differ"):
        call_command("restore", edited, interactive=False)
    assert checksums() == before
