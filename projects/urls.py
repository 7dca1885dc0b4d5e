from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("schools/", views.SchoolListView.as_view(), name="school_list"),
    path("schools/<int:pk>/", views.SchoolDetailView.as_view(), name="school_detail"),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.project_edit, name="project_create"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_update"),
]
