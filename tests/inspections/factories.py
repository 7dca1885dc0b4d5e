"""Factories and helpers of the supervision tests: checklist items, visits and findings made
through the services (as the pages make them), and photos drawn with Pillow."""

from datetime import date, timedelta
from io import BytesIO

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from inspections import services
from inspections.choices import CheckArea, Severity, TeamUnit
from inspections.models import ChecklistItem, Finding, TeamMember, Visit
from inspections.photos import process_photo

VISIT_DAY = date(2024, 5, 10)


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    area = CheckArea.APPROVAL
    text = factory.Sequence(lambda n: f"检查事项{n}")
    order = factory.Sequence(lambda n: 10 * n)


def checklist() -> list[ChecklistItem]:
    """One item per area, as the city might keep them."""
    texts = {
        CheckArea.APPROVAL: "立项、规划、用地、施工许可等审批手续齐全",
        CheckArea.CONSTRUCTION: "施工现场安全防护措施到位",
        CheckArea.ACCEPTANCE: "竣工工程按规定组织竣工验收",
        CheckArea.FUNDS: "专项资金专款专用,无挤占挪用",
        CheckArea.ARCHIVES: "项目档案齐全规范",
    }
    # Created in reverse so that the copy's order (by area, then number) is tested too.
    return [
        ChecklistItemFactory(area=area, text=text, order=10)
        for area, text in reversed(list(texts.items()))
    ]


def make_visit(
    *, user, counties=(), schools=(), projects=(), visited_on=VISIT_DAY, kind="on_site", **fields
) -> Visit:
    return services.visit_save(
        visit=Visit(kind=kind, visited_on=visited_on, **fields),
        counties=counties,
        schools=schools,
        projects=projects,
        team_members=[
            TeamMember(name="王督学", unit=TeamUnit.SUPERVISION_OFFICE, is_leader=True),
            TeamMember(name="李会计", unit=TeamUnit.FINANCE),
        ],
        acting_user=user,
    )


def make_finding(*, visit, county, user, deadline=None, photos=(), **fields) -> Finding:
    fields.setdefault("description", "施工现场未设置安全防护网")
    fields.setdefault("severity", Severity.MAJOR)
    fields.setdefault("responsible_unit", f"{county.name}教育局")
    return services.finding_raise(
        finding=Finding(
            visit=visit,
            responsible_county=county,
            deadline=deadline or visit.visited_on + timedelta(days=30),
            **fields,
        ),
        photos=photos,
        acting_user=user,
    )


def image_bytes(
    *, size=(800, 600), image_format="JPEG", color=(180, 90, 40), taken=None, gps=None, mode="RGB"
) -> bytes:
    """An image drawn with Pillow; a JPEG may carry EXIF time ("2024:05:10 09:30:00") and GPS
    ((40, 12, 30), "N", (122, 21, 0), "E")."""
    image = Image.new(mode, size, color if mode == "RGB" else (*color, 128))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    if gps:
        latitude, north, longitude, east = gps
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {
                ExifTags.GPS.GPSLatitudeRef: north,
                ExifTags.GPS.GPSLatitude: latitude,
                ExifTags.GPS.GPSLongitudeRef: east,
                ExifTags.GPS.GPSLongitude: longitude,
            }
        )
    buffer = BytesIO()
    if image_format == "JPEG":
        image.save(buffer, image_format, exif=exif)
    else:
        image.save(buffer, image_format)
    return buffer.getvalue()


def upload(name="site.jpg", content=None, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else image_bytes(), content_type)


def processed(**kwargs):
    return process_photo(upload(content=image_bytes(**kwargs)))
