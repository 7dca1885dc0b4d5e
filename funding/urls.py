from django.urls import path

from funding import views

app_name = "funding"

urlpatterns = [
    path("funding/", views.ledger, name="ledger"),
    path("funding/ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("funding/tranches/", views.allocation_list, name="allocation_list"),
    path("funding/tranches/new/", views.allocation_create, name="allocation_create"),
    path("funding/tranches/<int:pk>/", views.allocation_detail, name="allocation_detail"),
    path("funding/projects/<int:pk>/", views.project_ledger, name="project_ledger"),
    path("funding/projects/<int:pk>/plan/", views.funding_plan_edit, name="funding_plan_edit"),
    path("funding/projects/<int:pk>/arrivals/new/", views.arrival_create, name="arrival_create"),
    path("funding/projects/<int:pk>/payments/new/", views.payment_create, name="payment_create"),
]
