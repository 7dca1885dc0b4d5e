from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("supervision/", views.home, name="home"),
    path("supervision/visits/", views.VisitListView.as_view(), name="visit_list"),
    path("supervision/visits/new/", views.visit_edit, name="visit_create"),
    path("supervision/visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("supervision/visits/<int:pk>/edit/", views.visit_edit, name="visit_update"),
    path("supervision/visits/<int:pk>/checklist/", views.checklist_edit, name="checklist_edit"),
    path("supervision/visits/<int:pk>/photos/", views.visit_photos, name="visit_photos"),
    path(
        "supervision/visits/<int:pk>/findings/new/",
        views.finding_create,
        name="finding_create",
    ),
    path(
        "supervision/visits/<int:pk>/opinion-letter.docx",
        views.opinion_letter,
        name="opinion_letter",
    ),
    path("supervision/findings/", views.FindingListView.as_view(), name="finding_list"),
    path("supervision/findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("supervision/findings/<int:pk>/start/", views.finding_start, name="finding_start"),
    path("supervision/findings/<int:pk>/submit/", views.finding_submit, name="finding_submit"),
    path("supervision/findings/<int:pk>/verify/", views.finding_verify, name="finding_verify"),
    path("supervision/findings/<int:pk>/reject/", views.finding_reject, name="finding_reject"),
    path("supervision/findings/<int:pk>/close/", views.finding_close, name="finding_close"),
    path("supervision/overview/", views.overview, name="overview"),
    path(
        "supervision/photos/visit/<int:pk>/",
        views.photo_file,
        {"kind": "visit"},
        name="visit_photo",
    ),
    path(
        "supervision/photos/visit/<int:pk>/thumbnail/",
        views.photo_file,
        {"kind": "visit", "thumbnail": True},
        name="visit_photo_thumbnail",
    ),
    path(
        "supervision/photos/evidence/<int:pk>/",
        views.photo_file,
        {"kind": "evidence"},
        name="evidence_photo",
    ),
    path(
        "supervision/photos/evidence/<int:pk>/thumbnail/",
        views.photo_file,
        {"kind": "evidence", "thumbnail": True},
        name="evidence_photo_thumbnail",
    ),
]
