"""The city keeps the checklist in the admin; visits and findings are read-only there and
scoped like every other page."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from inspections.models import ChecklistItem
from tests.factories import PASSWORD
from tests.inspections.factories import make_visit

pytestmark = pytest.mark.django_db


def staff(user, *codenames):
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="inspections", codename__in=codenames)
    )
    return user


def item_data(**changes):
    data = {"area": "funds", "text": "资金支付手续完备", "order": "5", "is_active": "on"}
    data.update(changes)
    return data


def test_the_city_adds_a_checklist_item_and_old_visits_keep_theirs(client, tree, users, visit):
    staff(users.city, "add_checklistitem", "change_checklistitem", "view_checklistitem")
    before = list(visit.check_results.values_list("text", flat=True))
    client.login(username=users.city.username, password=PASSWORD)
    response = client.post(reverse("admin:inspections_checklistitem_add"), item_data())
    assert response.status_code == 302
    item = ChecklistItem.objects.get(text="资金支付手续完备")
    assert item.history.get().history_user == users.city
    assert list(visit.check_results.values_list("text", flat=True)) == before
    later = make_visit(user=users.inspector, counties=[tree.gaizhou])
    assert "资金支付手续完备" in later.check_results.values_list("text", flat=True)


def test_a_county_cannot_change_the_checklist_even_with_permissions(client, users, items):
    staff(users.gaizhou, "add_checklistitem", "change_checklistitem", "view_checklistitem")
    client.login(username=users.gaizhou.username, password=PASSWORD)
    response = client.post(reverse("admin:inspections_checklistitem_add"), item_data())
    assert response.status_code == 403
    change = reverse("admin:inspections_checklistitem_change", args=[items[0].pk])
    response = client.post(change, item_data(text="改掉"))
    assert response.status_code == 403
    assert not ChecklistItem.objects.filter(text__in=["资金支付手续完备", "改掉"]).exists()


def test_checklist_items_are_taken_out_of_use_not_deleted(client, users, items):
    staff(users.city, "delete_checklistitem", "view_checklistitem")
    client.login(username=users.city.username, password=PASSWORD)
    delete = reverse("admin:inspections_checklistitem_delete", args=[items[0].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ChecklistItem.objects.filter(pk=items[0].pk).exists()


def test_visits_in_the_admin_are_read_only_and_scoped(client, tree, users, visit):
    other = make_visit(user=users.admin, counties=[tree.haicheng])
    staff(users.city, "view_visit", "change_visit", "view_finding")
    client.login(username=users.city.username, password=PASSWORD)
    assert client.get(reverse("admin:inspections_visit_change", args=[visit.pk])).status_code == 200
    response = client.post(
        reverse("admin:inspections_visit_change", args=[visit.pk]), {"kind": "written"}
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:inspections_visit_change", args=[other.pk])).status_code == 404
    page = client.get(reverse("admin:inspections_visit_changelist")).content.decode()
    assert reverse("admin:inspections_visit_change", args=[visit.pk]) in page
    assert reverse("admin:inspections_visit_change", args=[other.pk]) not in page
