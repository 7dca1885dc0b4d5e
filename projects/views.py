from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from projects import baseline as baselines
from projects import selectors, services
from projects.filters import ProjectFilter, SchoolFilter
from projects.forms import EquipmentLineFormSet, ProjectForm
from projects.models import Project


class SchoolListView(LoginRequiredMixin, FilterView):
    filterset_class = SchoolFilter
    template_name = "projects/school_list.html"
    paginate_by = settings.PAGE_SIZE

    def get_queryset(self):
        return selectors.school_list(user=self.request.user)


class SchoolDetailView(LoginRequiredMixin, DetailView):
    template_name = "projects/school_detail.html"

    def get_queryset(self):
        return selectors.schools_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        school = self.object
        return super().get_context_data(
            projects=selectors.projects_visible_to(user=self.request.user).filter(school=school),
            history=selectors.school_history(school=school, user=self.request.user),
            **kwargs,
        )


class ProjectListView(LoginRequiredMixin, FilterView):
    filterset_class = ProjectFilter
    template_name = "projects/project_list.html"
    paginate_by = settings.PAGE_SIZE

    def get_queryset(self):
        return selectors.projects_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = selectors.project_totals(self.object_list)
        return context


class ProjectDetailView(LoginRequiredMixin, DetailView):
    template_name = "projects/project_detail.html"

    def get_queryset(self):
        return selectors.projects_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        project = self.object
        lines = selectors.equipment_lines_of(project=project)
        return super().get_context_data(
            baseline=baselines.baseline_of(project.pk, user=self.request.user),
            lines=lines,
            line_totals=selectors.equipment_totals(lines),
            history=selectors.project_history(project=project, user=self.request.user),
            **kwargs,
        )


@login_required
def project_edit(request, pk=None):
    """Create a project (no pk) or edit one, with its equipment lines."""
    if pk is None:
        project = Project()
    else:
        project = get_object_or_404(selectors.projects_visible_to(user=request.user), pk=pk)
    if not request.user.can_edit_projects:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    baseline = baselines.baseline_of(project.pk, user=request.user)
    locked = baselines.BASELINE_FIELDS if baseline else ()
    form = ProjectForm(data, instance=project, user=request.user, locked_fields=locked)
    lines = None if baseline else EquipmentLineFormSet(data, instance=project, prefix="lines")
    if data is not None and form.is_valid() and (lines is None or lines.is_valid()):
        try:
            project = services.project_save(
                project=form.instance,
                lines=lines.save(commit=False) if lines is not None else (),
                removed_lines=lines.deleted_objects if lines is not None else (),
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Project %(project)s saved.") % {"project": project})
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "lines": lines,
            "project": project if pk else None,
            "baseline": baseline,
        },
    )
