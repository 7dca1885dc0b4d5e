"""Photos are checked by their content, limited in size, resized, and keep time and place."""

from datetime import datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from inspections import photos
from inspections.photos import MAX_EDGE, THUMBNAIL_EDGE, process_photo
from tests.inspections.factories import image_bytes, upload


def test_a_phone_photo_is_resized_with_a_thumbnail_and_keeps_time_and_place():
    content = image_bytes(
        size=(4000, 3000),
        taken="2024:05:10 09:30:00",
        gps=((40.0, 12.0, 30.0), "N", (122.0, 21.0, 0.0), "E"),
    )
    photo = process_photo(upload(content=content))
    assert (photo.width, photo.height) == (MAX_EDGE, 1200)
    image = Image.open(BytesIO(photo.image.read()))
    assert image.format == "JPEG" and image.size == (MAX_EDGE, 1200)
    thumbnail = Image.open(BytesIO(photo.thumbnail.read()))
    assert max(thumbnail.size) == THUMBNAIL_EDGE
    assert photo.taken_at == datetime(2024, 5, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert photo.latitude == Decimal("40.208333")
    assert photo.longitude == Decimal("122.350000")
    # Stored under a name of its own, never the name the phone gave.
    assert photo.image.name.endswith(".jpg") and "site" not in photo.image.name


def test_southern_and_western_places_are_negative():
    content = image_bytes(gps=((33.0, 51.0, 0.0), "S", (151.0, 12.0, 36.0), "W"))
    photo = process_photo(upload(content=content))
    assert (photo.latitude, photo.longitude) == (Decimal("-33.850000"), Decimal("-151.210000"))


def test_a_small_photo_without_exif_is_kept_at_its_size():
    photo = process_photo(upload(content=image_bytes(size=(640, 480))))
    assert (photo.width, photo.height) == (640, 480)
    assert photo.taken_at is None and photo.latitude is None and photo.longitude is None


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_stored_as_jpeg(image_format):
    content = image_bytes(image_format=image_format, mode="RGBA", size=(300, 200))
    photo = process_photo(upload(name=f"x.{image_format.lower()}", content=content))
    assert Image.open(BytesIO(photo.image.read())).mode == "RGB"
    assert (photo.width, photo.height) == (300, 200)


def test_the_orientation_the_camera_recorded_is_applied():
    image = Image.new("RGB", (400, 300), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: the phone was held upright
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    photo = process_photo(upload(content=buffer.getvalue()))
    assert (photo.width, photo.height) == (300, 400)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("scan.jpg", b"%PDF-1.4 a document named like a photo"),
        ("photo.png", b"just some text"),
        ("empty-ish.jpg", b"\xff\xd8\xff"),
        ("moving.gif", image_bytes(image_format="GIF")),
        ("truncated.jpg", image_bytes(size=(1200, 900))[:700]),
    ],
)
def test_anything_but_a_photo_is_refused_by_its_content(name, content):
    with pytest.raises(ValidationError) as error:
        process_photo(upload(name=name, content=content))
    assert error.value.code == "not_a_photo"
    assert name in error.value.messages[0]


def test_an_oversized_file_is_refused_before_it_is_read(settings):
    settings.GAIBO_PHOTO_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as error:
        process_photo(upload(content=image_bytes(size=(1000, 800), color=(1, 2, 3)) * 3))
    assert error.value.code == "too_large"


def test_an_image_of_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 100 * 100)
    with pytest.raises(ValidationError) as error:
        process_photo(upload(content=image_bytes(size=(200, 200))))
    assert error.value.code == "too_many_pixels"


def test_megabytes_reads_as_people_write_it():
    assert photos.megabytes(10 * 1024 * 1024) == "10"
    assert photos.megabytes(1536 * 1024) == "1.5"
