from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/start/", views.report_start, name="report_start"),
    path("reports/tracker/", views.tracker, name="tracker"),
    path("reports/period.xlsx", views.period_export, name="period_export"),
    path("reports/<int:pk>/", views.report_entry, name="report_entry"),
    path("reports/<int:pk>/import/", views.report_import, name="report_import"),
    path("reports/<int:pk>/report.xlsx", views.report_export, name="report_export"),
    path("reports/<int:pk>/<slug:action>/", views.report_action, name="report_action"),
]
