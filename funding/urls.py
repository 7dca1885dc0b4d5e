from django.urls import path

from funding import views

app_name = "funding"

urlpatterns = [
    path("funding/", views.ledger, name="ledger"),
    path("funding/ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("funding/tranches/", views.AllocationListView.as_view(), name="allocation_list"),
    path("funding/tranches/new/", views.allocation_create, name="allocation_create"),
    path("funding/tranches/import/", views.allocation_import, name="allocation_import"),
    path("funding/arrivals/import/", views.arrival_import, name="arrival_import"),
    path("funding/payments/import/", views.payment_import, name="payment_import"),
    path("funding/tranches/<int:pk>/", views.allocation_detail, name="allocation_detail"),
    path("funding/tranches/<int:pk>/correct/", views.allocation_correct, name="allocation_correct"),
    path("funding/arrivals/<int:pk>/correct/", views.arrival_correct, name="arrival_correct"),
    path("funding/payments/<int:pk>/correct/", views.payment_correct, name="payment_correct"),
    path("funding/projects/<int:pk>/", views.project_ledger, name="project_ledger"),
    path("funding/projects/<int:pk>/plan/", views.funding_plan_edit, name="funding_plan_edit"),
    path("funding/projects/<int:pk>/arrivals/new/", views.arrival_create, name="arrival_create"),
    path("funding/projects/<int:pk>/payments/new/", views.payment_create, name="payment_create"),
]
