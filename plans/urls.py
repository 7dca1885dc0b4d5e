from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/import/", views.plan_import, name="plan_import"),
    path("plans/<int:pk>/return/", views.plan_return, name="plan_return"),
    path("plans/<int:pk>/step/<slug:action>/", views.plan_action, name="plan_action"),
    path("plans/<int:plan_pk>/items/new/", views.item_edit, name="item_create"),
    path("plans/<int:plan_pk>/items/<int:pk>/edit/", views.item_edit, name="item_update"),
    path("plans/<int:plan_pk>/items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("plans/changes/", views.change_list, name="change_list"),
    path("plans/changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("plans/changes/<int:pk>/withdraw/", views.change_withdraw, name="change_withdraw"),
    path("plans/projects/<int:project_pk>/change/", views.change_create, name="change_create"),
    path("public/projects/", views.public_list, name="public_list"),
    path("public/projects.csv", views.public_csv, name="public_csv"),
    path("public/projects.json", views.public_json, name="public_json"),
]
