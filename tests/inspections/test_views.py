"""The supervision pages, seen by the inspector, the city, a county and another county."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document

from inspections import selectors, services
from inspections.choices import CheckOutcome, FindingStatus
from inspections.models import EvidencePhoto, Finding, FindingEvent, Visit, VisitPhoto
from tests.factories import PASSWORD
from tests.inspections.factories import (
    VISIT_DAY,
    image_bytes,
    make_finding,
    make_visit,
    processed,
    upload,
)

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def other_visits(tree, users, items):
    """A visit of 大石桥市 only, and one of another city's county."""
    return (
        make_visit(user=users.inspector, counties=[tree.dashiqiao]),
        make_visit(user=users.admin, counties=[tree.haicheng]),
    )


# --- access ------------------------------------------------------------------------------

VISIT_PAGES = ["visit_detail", "opinion_letter"]
SUPERVISOR_PAGES = ["visit_update", "checklist_edit", "visit_photos", "finding_create"]


@pytest.mark.parametrize("name", VISIT_PAGES + SUPERVISOR_PAGES)
def test_visit_pages_answer_404_outside_the_users_district(
    client, users, visit, other_visits, name
):
    only_dashiqiao, other_city = other_visits
    login(client, users.inspector)
    assert client.get(reverse(f"inspections:{name}", args=[visit.pk])).status_code == 200
    assert client.get(reverse(f"inspections:{name}", args=[other_city.pk])).status_code == 404
    client.logout()
    login(client, users.gaizhou)
    expected = 200 if name in VISIT_PAGES else 403
    assert client.get(reverse(f"inspections:{name}", args=[visit.pk])).status_code == expected
    response = client.get(reverse(f"inspections:{name}", args=[only_dashiqiao.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", VISIT_PAGES + SUPERVISOR_PAGES)
def test_anonymous_users_are_sent_to_login(client, visit, name):
    response = client.get(reverse(f"inspections:{name}", args=[visit.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_county_sees_only_the_findings_addressed_to_it(client, users, visit, findings):
    login(client, users.gaizhou)
    page = client.get(reverse("inspections:finding_list")).content.decode()
    assert findings.gaizhou.description in page
    assert findings.dashiqiao.description not in page
    assert client.get(findings.gaizhou.get_absolute_url()).status_code == 200
    assert client.get(findings.dashiqiao.get_absolute_url()).status_code == 404
    # The visit of both counties shows it its own finding only.
    page = client.get(visit.get_absolute_url()).content.decode()
    assert findings.gaizhou.description in page
    assert findings.dashiqiao.description not in page


def test_the_city_sees_both_counties_findings_and_not_another_citys(client, tree, users, findings):
    other = make_visit(user=users.admin, counties=[tree.haicheng])
    elsewhere = make_finding(visit=other, county=tree.haicheng, user=users.admin)
    login(client, users.city)
    response = client.get(reverse("inspections:finding_list"))
    assert {f.pk for f in response.context["object_list"]} == {
        findings.gaizhou.pk,
        findings.dashiqiao.pk,
    }
    assert client.get(elsewhere.get_absolute_url()).status_code == 404


def test_photos_are_served_only_to_those_who_see_them(client, tree, users, visit, findings):
    general = services.visit_photos_add(
        visit=visit, photos=[processed()], acting_user=users.inspector
    )[0]
    of_dashiqiao = services.visit_photos_add(
        visit=visit, photos=[processed()], finding=findings.dashiqiao, acting_user=users.inspector
    )[0]
    event = services.finding_submit(
        finding=findings.gaizhou, evidence="已整改", photos=[processed()], acting_user=users.gaizhou
    )
    evidence = event.photos.get()

    login(client, users.gaizhou)
    for photo in (general, evidence):
        for url in (photo.get_absolute_url(), photo.get_thumbnail_url()):
            response = client.get(url)
            assert response.status_code == 200
            assert response["Content-Type"] == "image/jpeg"
            assert "private" in response["Cache-Control"]
            assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(of_dashiqiao.get_absolute_url()).status_code == 404

    client.logout()
    login(client, users.dashiqiao)
    assert client.get(evidence.get_absolute_url()).status_code == 404
    assert client.get(evidence.get_thumbnail_url()).status_code == 404
    assert client.get(of_dashiqiao.get_thumbnail_url()).status_code == 200
    client.logout()
    assert client.get(general.get_absolute_url()).status_code == 302
    # The files have no public address.
    login(client, users.gaizhou)
    assert client.get(f"/media/{general.image.name}").status_code == 404


def test_home_sends_counties_to_their_findings_and_others_to_the_visits(client, users):
    login(client, users.gaizhou)
    assert client.get(reverse("inspections:home")).url == reverse("inspections:finding_list")
    client.logout()
    login(client, users.inspector)
    assert client.get(reverse("inspections:home")).url == reverse("inspections:visit_list")


# --- the inspector's flow -----------------------------------------------------------------


def visit_form_data(**changes):
    data = {
        "kind": "on_site",
        "visited_on": "2024-05-10",
        "summary": "",
        "opinion": "",
        "team-TOTAL_FORMS": "3",
        "team-INITIAL_FORMS": "0",
        "team-0-name": "王督学",
        "team-0-unit": "supervision_office",
        "team-0-is_leader": "on",
        "team-1-name": "李会计",
        "team-1-unit": "finance",
        "team-2-name": "",
        "team-2-unit": "",
    }
    data.update(changes)
    return data


def test_the_new_visit_form_starts_with_the_inspector_as_leader(client, users):
    login(client, users.inspector)
    response = client.get(reverse("inspections:visit_create"))
    team = response.context["team"]
    assert team.forms[0].initial["name"] == users.inspector.username
    assert "capture" not in response.content.decode()  # photos come after the visit is saved


def test_an_inspector_logs_a_visit(client, tree, users, items):
    login(client, users.inspector)
    data = visit_form_data(schools=[tree.schools["210881"].pk], summary="检查在建项目")
    response = client.post(reverse("inspections:visit_create"), data)
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == visit.get_absolute_url()
    assert list(visit.counties.all()) == [tree.gaizhou]
    assert visit.team_members.count() == 2
    assert visit.check_results.count() == len(items)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    assert "王督学" in page and "检查在建项目" in page


def test_a_visit_with_no_target_is_refused_in_chinese(client, users, items):
    login(client, users.inspector)
    response = client.post(reverse("inspections:visit_create"), visit_form_data())
    assert response.status_code == 200
    assert "请至少选择一个被督导的县(区)、学校或项目" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_checklist_is_filled_in_and_a_problem_needs_a_note(client, users, visit):
    login(client, users.inspector)
    results = list(visit.check_results.all())
    data = {"checks-TOTAL_FORMS": str(len(results)), "checks-INITIAL_FORMS": str(len(results))}
    for index, result in enumerate(results):
        data[f"checks-{index}-id"] = result.pk
        data[f"checks-{index}-outcome"] = "passed"
        data[f"checks-{index}-note"] = ""
    data["checks-1-outcome"] = "problem"
    url = reverse("inspections:checklist_edit", args=[visit.pk])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "请在备注中写明发现的问题" in response.content.decode()
    assert not visit.check_results.exclude(outcome=CheckOutcome.UNCHECKED).exists()

    data["checks-1-note"] = "未设置安全网"
    assert client.post(url, data).status_code == 302
    assert visit.check_results.filter(outcome=CheckOutcome.PASSED).count() == len(results) - 1
    problem = visit.check_results.get(outcome=CheckOutcome.PROBLEM)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert f"?check={problem.pk}" in page
    form = client.get(
        reverse("inspections:finding_create", args=[visit.pk]), {"check": problem.pk}
    ).context["form"]
    assert form.initial["description"] == "未设置安全网"
    assert form.initial["check_result"] == problem.pk


def finding_form_data(county, **changes):
    data = {
        "description": "围墙存在裂缝",
        "responsible_county": county.pk,
        "responsible_unit": "",
        "deadline": "2024-06-30",
        "severity": "major",
        "requirement": "",
        "check_result": "",
        "school": "",
        "project": "",
    }
    data.update(changes)
    return data


def test_an_inspector_records_a_finding_with_photos(client, tree, users, visit):
    login(client, users.inspector)
    data = finding_form_data(
        tree.gaizhou,
        photos=[
            upload(content=image_bytes(taken="2024:05:10 10:00:00")),
            upload("b.png", image_bytes(image_format="PNG"), "image/png"),
        ],
    )
    response = client.post(reverse("inspections:finding_create", args=[visit.pk]), data)
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert finding.responsible_unit == "盖州市教育局"
    assert finding.photos.count() == 2
    assert finding.photos.exclude(taken_at=None).count() == 1


def test_a_deadline_before_the_visit_is_refused_in_chinese(client, tree, users, visit):
    login(client, users.inspector)
    data = finding_form_data(tree.gaizhou, deadline="2024-05-09", photos=[upload()])
    response = client.post(reverse("inspections:finding_create", args=[visit.pk]), data)
    assert response.status_code == 200
    assert "整改期限不能早于督导日期(2024-05-10)" in response.content.decode()
    assert not Finding.objects.exists() and not VisitPhoto.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_in_chinese(client, users, visit, media_root):
    login(client, users.inspector)
    fake = upload("现场.jpg", b"%PDF-1.4 this is a document", "image/jpeg")
    response = client.post(reverse("inspections:visit_photos", args=[visit.pk]), {"photos": [fake]})
    assert response.status_code == 200
    assert "“现场.jpg”不是照片" in response.content.decode()
    assert not VisitPhoto.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))


def test_an_oversized_photo_is_refused_in_chinese(client, users, visit, settings, media_root):
    settings.GAIBO_PHOTO_MAX_BYTES = 1024 * 1024
    login(client, users.inspector)
    big = upload("big.jpg", image_bytes(size=(2000, 2000)) + b"\0" * (1024 * 1024))
    good = upload("good.jpg")
    response = client.post(
        reverse("inspections:visit_photos", args=[visit.pk]), {"photos": [good, big]}
    )
    assert response.status_code == 200
    assert "每张照片不能超过 1 MB" in response.content.decode()
    assert not VisitPhoto.objects.exists()


def test_photos_are_uploaded_from_camera_and_album_at_once(client, users, visit):
    login(client, users.inspector)
    response = client.post(
        reverse("inspections:visit_photos", args=[visit.pk]),
        {"photos": [upload("camera.jpg"), upload("album.jpg")], "caption": "围墙"},
    )
    assert response.status_code == 302
    assert list(visit.photos.values_list("caption", flat=True)) == ["围墙", "围墙"]
    page = client.get(visit.get_absolute_url()).content.decode()
    assert reverse("inspections:visit_photo_thumbnail", args=[visit.photos.first().pk]) in page


# --- the county answers, the inspector verifies ---------------------------------------------


def test_the_county_answers_with_evidence_and_the_inspector_verifies(client, users, findings):
    finding = findings.gaizhou
    login(client, users.gaizhou)
    page = client.get(finding.get_absolute_url()).content.decode()
    assert reverse("inspections:finding_submit", args=[finding.pk]) in page
    response = client.post(
        reverse("inspections:finding_submit", args=[finding.pk]),
        {"evidence": "已加装防护网并验收", "photos": [upload()]},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED
    assert EvidencePhoto.objects.filter(event__finding=finding).count() == 1

    client.logout()
    login(client, users.inspector)
    page = client.get(finding.get_absolute_url()).content.decode()
    assert "已加装防护网并验收" in page
    response = client.post(
        reverse("inspections:finding_verify", args=[finding.pk]), {"comment": ""}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED
    page = client.get(finding.get_absolute_url()).content.decode()
    assert "inspector" in page and "gaizhou" in page


def test_evidence_from_another_county_answers_404_and_saves_nothing(client, users, findings):
    login(client, users.dashiqiao)
    response = client.post(
        reverse("inspections:finding_submit", args=[findings.gaizhou.pk]),
        {"evidence": "代为整改", "photos": [upload()]},
    )
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.content.decode()
    assert FindingEvent.objects.filter(finding=findings.gaizhou).count() == 1
    assert not EvidencePhoto.objects.exists()


@pytest.mark.parametrize("who", ["city", "inspector", "gaizhou_finance"])
def test_evidence_from_outside_the_responsible_bureau_is_forbidden(client, users, findings, who):
    login(client, getattr(users, who))
    response = client.post(
        reverse("inspections:finding_submit", args=[findings.gaizhou.pk]),
        {"evidence": "代为整改"},
    )
    assert response.status_code == 403
    findings.gaizhou.refresh_from_db()
    assert findings.gaizhou.status == FindingStatus.OPEN


def test_a_county_cannot_verify(client, users, findings):
    services.finding_submit(finding=findings.gaizhou, evidence="已整改", acting_user=users.gaizhou)
    login(client, users.gaizhou)
    url = reverse("inspections:finding_verify", args=[findings.gaizhou.pk])
    assert client.post(url, {}).status_code == 403
    assert client.get(url).status_code == 405


def test_evidence_without_words_is_refused(client, users, findings):
    login(client, users.gaizhou)
    response = client.post(
        reverse("inspections:finding_submit", args=[findings.gaizhou.pk]), {"evidence": " "}
    )
    assert response.status_code == 200
    assert response.context["evidence_form"].errors
    assert findings.gaizhou.events.count() == 1


def test_not_accepted_needs_a_reason_and_sends_it_back(client, users, findings):
    services.finding_submit(finding=findings.gaizhou, evidence="已整改", acting_user=users.gaizhou)
    login(client, users.inspector)
    url = reverse("inspections:finding_reject", args=[findings.gaizhou.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    findings.gaizhou.refresh_from_db()
    assert findings.gaizhou.status == FindingStatus.SUBMITTED
    assert client.post(url, {"reason": "缺少验收记录"}).status_code == 302
    findings.gaizhou.refresh_from_db()
    assert findings.gaizhou.status == FindingStatus.IN_PROGRESS
    assert "缺少验收记录" in client.get(findings.gaizhou.get_absolute_url()).content.decode()


def test_overdue_findings_are_flagged(client, users, findings, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: VISIT_DAY + timedelta(days=60))
    login(client, users.gaizhou)
    response = client.get(reverse("inspections:finding_list"), {"show": "overdue"})
    assert [f.pk for f in response.context["object_list"]] == [findings.gaizhou.pk]
    assert "is-overdue" in response.content.decode()


# --- the opinion letter --------------------------------------------------------------------


def letter_text(response):
    document = Document(BytesIO(b"".join(response.streaming_content)))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_opinion_letter_is_a_word_document_of_the_visit(client, users, visit, findings):
    visit.opinion = "整体推进较好,个别项目存在安全隐患。"
    visit.save()
    login(client, users.inspector)
    response = client.get(reverse("inspections:opinion_letter", args=[visit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in response["Content-Disposition"]
    text = letter_text(response)
    for expected in (
        "盖州市",
        "大石桥市",
        "王督学",
        "李会计",
        "施工现场安全防护措施到位",
        findings.gaizhou.description,
        findings.dashiqiao.description,
        "2024-06-09",
        "整体推进较好",
        "________________",
    ):
        assert expected in text, expected


def test_a_countys_opinion_letter_holds_its_own_findings_only(client, users, visit, findings):
    login(client, users.gaizhou)
    text = letter_text(client.get(reverse("inspections:opinion_letter", args=[visit.pk])))
    assert findings.gaizhou.description in text
    assert findings.dashiqiao.description not in text


# --- the city's overview -------------------------------------------------------------------


def test_the_overview_counts_visits_by_kind_and_period(client, tree, users, items, findings):
    make_visit(user=users.inspector, counties=[tree.gaizhou], kind="written", visited_on=VISIT_DAY)
    make_visit(
        user=users.inspector, counties=[tree.dashiqiao], visited_on=VISIT_DAY.replace(month=8)
    )
    make_visit(user=users.admin, counties=[tree.haicheng], visited_on=VISIT_DAY)
    login(client, users.city)
    url = reverse("inspections:overview")

    overview = client.get(url, {"year": 2024}).context["overview"]
    assert (overview.in_period.on_site, overview.in_period.written) == (2, 1)
    assert [row.total for row in overview.by_quarter] == [0, 2, 1, 0]
    assert overview.by_month[4].on_site == 1 and overview.by_month[4].written == 1

    overview = client.get(url, {"year": 2024, "period": "q3"}).context["overview"]
    assert (overview.in_period.on_site, overview.in_period.written) == (1, 0)
    assert [row.label for row in overview.by_month] == ["2024-07", "2024-08", "2024-09"]
    overview = client.get(url, {"year": 2024, "period": "m5"}).context["overview"]
    assert overview.in_period.total == 2
    rows = {row.county.name: row for row in overview.counties}
    assert set(rows) == {"盖州市", "大石桥市"}
    assert (rows["盖州市"].visits, rows["大石桥市"].visits) == (2, 1)
    assert (rows["盖州市"].unresolved, rows["大石桥市"].unresolved) == (1, 1)
    assert overview.totals.visits == 2


def test_the_overview_shows_open_and_overdue_findings_per_county(
    client, users, findings, monkeypatch
):
    monkeypatch.setattr(selectors, "today", lambda: VISIT_DAY + timedelta(days=45))
    services.finding_submit(finding=findings.gaizhou, evidence="已整改", acting_user=users.gaizhou)
    services.finding_verify(finding=findings.gaizhou, acting_user=users.inspector)
    login(client, users.city)
    response = client.get(reverse("inspections:overview"), {"year": 2024})
    rows = {row.county.name: row for row in response.context["overview"].counties}
    assert (rows["盖州市"].unresolved, rows["盖州市"].overdue, rows["盖州市"].resolved) == (0, 0, 1)
    assert (rows["大石桥市"].unresolved, rows["大石桥市"].overdue) == (1, 1)
    assert response.context["overview"].totals.unresolved == 1


def test_page_query_counts_do_not_grow_with_rows(
    client, tree, users, items, django_assert_max_num_queries
):
    def pages():
        return [
            reverse("inspections:overview"),
            reverse("inspections:visit_list"),
            reverse("inspections:finding_list"),
        ]

    login(client, users.city)
    visit = make_visit(user=users.inspector, counties=[tree.gaizhou])
    make_finding(visit=visit, county=tree.gaizhou, user=users.inspector)
    counts = {}
    for url in pages():
        with django_assert_max_num_queries(15) as captured:
            client.get(url)
        counts[url] = len(captured)
    for _ in range(8):
        visit = make_visit(
            user=users.inspector, counties=[tree.gaizhou, tree.dashiqiao], kind="written"
        )
        make_finding(visit=visit, county=tree.dashiqiao, user=users.inspector)
    for url in pages():
        with django_assert_max_num_queries(counts[url]):
            client.get(url)
    with django_assert_max_num_queries(20):
        client.get(visit.get_absolute_url())


def test_supervision_pages_are_in_chinese(client, users, visit):
    login(client, users.inspector)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "实地督导" in page and "督导意见书" in page and "检查表" in page


def test_new_forms_start_with_today_and_a_deadline_thirty_days_after_the_visit(
    client, tree, users, items, monkeypatch
):
    monkeypatch.setattr(selectors, "today", lambda: VISIT_DAY)
    login(client, users.inspector)
    form = client.get(reverse("inspections:visit_create")).context["form"]
    assert form["visited_on"].value() == VISIT_DAY
    visit = make_visit(user=users.inspector, counties=[tree.gaizhou])
    form = client.get(reverse("inspections:finding_create", args=[visit.pk])).context["form"]
    assert form["deadline"].value() == VISIT_DAY + timedelta(days=30)
    assert form["responsible_county"].value() == tree.gaizhou.pk


def test_the_overview_opens_on_the_latest_year_with_visits(client, tree, users, items):
    login(client, users.city)
    this_year = selectors.today().year
    assert client.get(reverse("inspections:overview")).context["overview"].period.year == this_year
    make_visit(user=users.inspector, counties=[tree.gaizhou], visited_on=VISIT_DAY)
    response = client.get(reverse("inspections:overview"))
    assert response.context["overview"].period.year == 2024
    assert {2024, this_year} <= {
        year for year, _label in response.context["form"].fields["year"].choices
    }
