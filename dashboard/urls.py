from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.district, name="district"),
    path("dashboard/dashboard.xlsx", views.district_export, name="district_export"),
    path("dashboard/bulletin.docx", views.bulletin, name="bulletin"),
    path("dashboard/api/", views.data, name="data"),
    path("dashboard/schools/<str:code>/", views.school, name="school"),
    path("dashboard/schools/<str:code>/school.xlsx", views.school_export, name="school_export"),
    path("dashboard/summary/", views.summary, name="summary"),
    path("dashboard/summary/summary.xlsx", views.summary_export, name="summary_export"),
    path("dashboard/api/summary/", views.summary_data, name="summary_data"),
]
