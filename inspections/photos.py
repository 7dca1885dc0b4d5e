"""Photos from a phone: checked by their content (not their name), size-limited, resized, with
a thumbnail, and the time and place the camera recorded kept.

`process_photo` reads an uploaded file with Pillow and returns what the services store: a JPEG
no larger than MAX_EDGE on its longer side, a thumbnail of THUMBNAIL_EDGE, and the EXIF
DateTimeOriginal and GPS position when the photo carries them. Anything Pillow cannot read as
a JPEG, PNG or WEBP image is refused with a ValidationError, before anything is saved.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from uuid import uuid4
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# The longer side of a stored photo and of its thumbnail, in pixels.
MAX_EDGE = 1600
THUMBNAIL_EDGE = 320
# Larger images are refused before they are decoded (a 50-megapixel camera is the most phones
# carry); Pillow's own limit would let a crafted file take far more memory.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 85
# What Pillow reports for the formats phones send. MPO is a JPEG with a second picture inside.
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}

try:  # iPhones' HEIC photos, when the optional pillow-heif package is installed.
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - phones' browsers mostly send JPEG anyway
    pass
else:  # pragma: no cover
    register_heif_opener()
    ALLOWED_FORMATS.add("HEIF")

READ_ERRORS = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    EOFError,
    IndexError,
    KeyError,
)


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    taken_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None

    def fields(self) -> dict:
        """The fields of a photo model this fills in."""
        return {
            "image": self.image,
            "thumbnail": self.thumbnail,
            "width": self.width,
            "height": self.height,
            "taken_at": self.taken_at,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


def max_bytes() -> int:
    return settings.GAIBO_PHOTO_MAX_BYTES


def process_photo(upload) -> ProcessedPhoto:
    """Check an uploaded file is a photo and make the stored photo and thumbnail from it."""
    name = getattr(upload, "name", "") or _("the file")
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s MB; a photo may be at most %(limit)s MB.")
            % {"name": name, "size": megabytes(upload.size), "limit": megabytes(limit)},
            code="too_large",
        )
    not_a_photo = ValidationError(
        _("“%(name)s” is not a photo: only JPEG, PNG and WEBP images are accepted.")
        % {"name": name},
        code="not_a_photo",
    )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise not_a_photo
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(
                    _("“%(name)s” has too many pixels (%(megapixels)s million); at most %(max)s.")
                    % {
                        "name": name,
                        "megapixels": round(probe.width * probe.height / 1_000_000),
                        "max": MAX_PIXELS // 1_000_000,
                    },
                    code="too_many_pixels",
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            exif = opened.getexif()
            opened.draft("RGB", (MAX_EDGE, MAX_EDGE))  # JPEG: decode at a reduced scale
            image = _flattened(ImageOps.exif_transpose(opened))
    except ValidationError:
        raise
    except READ_ERRORS as error:
        raise not_a_photo from error

    image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    stem = uuid4().hex
    latitude, longitude = _place(exif)
    return ProcessedPhoto(
        image=_jpeg(image, f"{stem}.jpg"),
        thumbnail=_jpeg(_resized(image, THUMBNAIL_EDGE), f"{stem}-thumbnail.jpg"),
        width=image.width,
        height=image.height,
        taken_at=_taken_at(exif),
        latitude=latitude,
        longitude=longitude,
    )


def megabytes(size: int) -> str:
    """A size in MB as people write it: 10, 10.5."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _flattened(image: Image.Image) -> Image.Image:
    """An RGB image; transparent parts become white, as they print."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _resized(image: Image.Image, edge: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    return copy


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=name)


def _taken_at(exif: Image.Exif) -> datetime | None:
    """EXIF DateTimeOriginal, in its recorded offset or else the bureaus' time zone."""
    details = exif.get_ifd(ExifTags.IFD.Exif)
    text = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = details.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str):
        try:
            return datetime.strptime(
                f"{moment:%Y-%m-%d %H:%M:%S}{offset.strip(chr(0) + ' ')}", "%Y-%m-%d %H:%M:%S%z"
            )
        except ValueError:
            pass
    return timezone.make_aware(moment, ZoneInfo(settings.TIME_ZONE))


def _place(exif: Image.Exif) -> tuple[Decimal | None, Decimal | None]:
    """The GPS latitude and longitude in degrees, or (None, None)."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        latitude = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef))
        longitude = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    return latitude, longitude


def _degrees(value, reference) -> Decimal | None:
    degrees, minutes, seconds = (float(part) for part in value)
    total = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(total):
        return None
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "ignore")
    if isinstance(reference, str) and reference.strip("\x00 ").upper() in ("S", "W"):
        total = -total
    return Decimal(f"{total:.6f}")
