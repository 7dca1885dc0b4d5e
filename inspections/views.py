from io import BytesIO

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from inspections import documents, selectors, services
from inspections.filters import FindingFilter, VisitFilter
from inspections.forms import (
    CheckResultFormSet,
    EvidenceForm,
    FindingForm,
    OverviewForm,
    PhotoUploadForm,
    RejectForm,
    ReviewForm,
    TeamMemberFormSet,
    VisitForm,
    team_initial,
)
from inspections.models import EvidencePhoto, Visit, VisitPhoto
from projects.choices import DistrictLevel


@login_required
def home(request):
    """County users land on the findings addressed to them; the others on the visits."""
    district = request.user.district
    if district is not None and district.level == DistrictLevel.COUNTY:
        return redirect("inspections:finding_list")
    return redirect("inspections:visit_list")


class VisitListView(LoginRequiredMixin, FilterView):
    filterset_class = VisitFilter
    template_name = "inspections/visit_list.html"
    paginate_by = settings.PAGE_SIZE

    def get_queryset(self):
        return selectors.visits_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_supervise=self.request.user.can_supervise, **kwargs)


def _visible_visit(request, pk) -> Visit:
    return get_object_or_404(Visit.objects.visible_to(request.user), pk=pk)


def _check_can_supervise(request) -> None:
    if not request.user.can_supervise:
        raise PermissionDenied


@login_required
def visit_detail(request, pk):
    visit = _visible_visit(request, pk)
    return _render_visit(request, visit)


def _render_visit(request, visit):
    user = request.user
    supervising = user.can_supervise
    photo_form = PhotoUploadForm(visit=visit, user=user) if supervising else None
    return render(
        request,
        "inspections/visit_detail.html",
        {
            "visit": visit,
            "targets": selectors.visit_targets(visit=visit),
            "team": selectors.team_of(visit=visit),
            "results": selectors.check_results_of(visit=visit),
            "findings": selectors.findings_visible_to(user=user).filter(visit=visit),
            "photos": selectors.visit_photos_of(visit=visit, user=user),
            "photo_form": photo_form,
            "history": selectors.visit_history(visit=visit, user=user),
            "can_supervise": supervising,
        },
    )


@login_required
def visit_edit(request, pk=None):
    """Log a visit (no pk), or change one: kind, date, targets, team, summary, opinion."""
    visit = Visit() if pk is None else _visible_visit(request, pk)
    _check_can_supervise(request)
    data = request.POST if request.method == "POST" else None
    form = VisitForm(data, instance=visit, user=request.user)
    team = TeamMemberFormSet(
        data,
        instance=visit,
        prefix="team",
        initial=team_initial(request.user) if pk is None else None,
    )
    if data is not None and form.is_valid() and team.is_valid():
        try:
            visit = services.visit_save(
                visit=form.instance,
                counties=form.cleaned_data["counties"],
                schools=form.cleaned_data["schools"],
                projects=form.cleaned_data["projects"],
                team_members=team.save(commit=False),
                removed_members=team.deleted_objects,
                acting_user=request.user,
            )
        except ValidationError as error:
            if pk is None:
                form.instance.pk = None  # the transaction was rolled back
            form.add_error(None, error)
        else:
            messages.success(request, _("Supervision visit %(visit)s saved.") % {"visit": visit})
            return redirect(visit)
    return render(
        request,
        "inspections/visit_form.html",
        {"form": form, "team": team, "visit": visit if pk else None},
    )


@login_required
def checklist_edit(request, pk):
    visit = _visible_visit(request, pk)
    _check_can_supervise(request)
    data = request.POST if request.method == "POST" else None
    formset = CheckResultFormSet(
        data, queryset=selectors.check_results_of(visit=visit), prefix="checks"
    )
    if data is not None and formset.is_valid():
        try:
            services.check_results_save(
                visit=visit,
                results=formset.save(commit=False),
                rest_passed=bool(request.POST.get("rest_passed")),
                acting_user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Checklist saved."))
            return redirect(f"{visit.get_absolute_url()}#checklist")
    return render(request, "inspections/checklist_form.html", {"visit": visit, "formset": formset})


@login_required
def visit_photos(request, pk):
    """Add site photos to a visit, from the camera or the album."""
    visit = _visible_visit(request, pk)
    _check_can_supervise(request)
    data = request.POST if request.method == "POST" else None
    form = PhotoUploadForm(data, request.FILES or None, visit=visit, user=request.user)
    if data is not None and form.is_valid():
        try:
            saved = services.visit_photos_add(
                visit=visit,
                photos=form.cleaned_data["photos"],
                finding=form.cleaned_data["finding"],
                caption=form.cleaned_data["caption"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext("%(count)s photo added.", "%(count)s photos added.", len(saved))
                % {"count": len(saved)},
            )
            return redirect(f"{visit.get_absolute_url()}#photos")
    return render(
        request,
        "inspections/photo_form.html",
        {"visit": visit, "form": form},
    )


@login_required
def finding_create(request, pk):
    """Raise a finding of a visit, perhaps from a checklist item with a problem."""
    visit = _visible_visit(request, pk)
    _check_can_supervise(request)
    data = request.POST if request.method == "POST" else None
    initial = {}
    check = request.GET.get("check", "")
    if data is None and check.isdigit():
        result = selectors.check_results_of(visit=visit).filter(pk=check).first()
        if result is not None:
            initial = {"check_result": result.pk, "description": result.note}
    form = FindingForm(data, request.FILES or None, visit=visit, user=request.user, initial=initial)
    if data is not None and form.is_valid():
        try:
            finding = services.finding_raise(
                finding=form.instance,
                photos=form.cleaned_data["photos"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.instance.pk = None
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Finding recorded, addressed to %(county)s.")
                % {"county": finding.responsible_county},
            )
            return redirect(f"{visit.get_absolute_url()}#findings")
    return render(request, "inspections/finding_form.html", {"visit": visit, "form": form})


@login_required
def opinion_letter(request, pk):
    """The visit's opinion letter (督导意见书) as .docx, with the findings the reader sees."""
    visit = _visible_visit(request, pk)
    content = documents.opinion_letter(
        visit=visit,
        targets=selectors.visit_targets(visit=visit),
        team=selectors.team_of(visit=visit),
        results=selectors.check_results_of(visit=visit),
        findings=list(selectors.findings_visible_to(user=request.user).filter(visit=visit)),
    )
    filename = f"{_('Supervision opinion letter')}-{visit.visited_on:%Y%m%d}-{visit.pk}.docx"
    return FileResponse(
        BytesIO(content),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


class FindingListView(LoginRequiredMixin, FilterView):
    filterset_class = FindingFilter
    template_name = "inspections/finding_list.html"
    paginate_by = settings.PAGE_SIZE

    def get_queryset(self):
        return selectors.findings_visible_to(user=self.request.user)


def _visible_finding(request, pk):
    return get_object_or_404(selectors.findings_visible_to(user=request.user), pk=pk)


@login_required
def finding_detail(request, pk):
    return _render_finding(request, _visible_finding(request, pk))


def _render_finding(request, finding, **forms):
    user = request.user
    rectifying = user.can_answer(finding)
    reviewing = user.can_supervise
    context = {
        "finding": finding,
        "events": selectors.finding_events_of(finding=finding),
        "photos": selectors.finding_photos_of(finding=finding, user=user),
        "can_rectify": rectifying,
        "can_review": reviewing,
    }
    if rectifying:
        context["evidence_form"] = forms.get("evidence_form") or EvidenceForm()
    if reviewing:
        context["review_form"] = forms.get("review_form") or ReviewForm()
        context["reject_form"] = forms.get("reject_form") or RejectForm()
    return render(request, "inspections/finding_detail.html", context)


def _after(request, finding, message):
    messages.success(request, message)
    return redirect(finding)


@require_POST
@login_required
def finding_start(request, pk):
    finding = _visible_finding(request, pk)
    if not request.user.can_answer(finding):
        raise PermissionDenied
    try:
        services.finding_start(finding=finding, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(finding)
    return _after(request, finding, _("Rectification started."))


@require_POST
@login_required
def finding_submit(request, pk):
    finding = _visible_finding(request, pk)
    if not request.user.can_answer(finding):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.finding_submit(
                finding=finding,
                evidence=form.cleaned_data["evidence"],
                photos=form.cleaned_data["photos"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _after(request, finding, _("Evidence submitted for verification."))
    return _render_finding(request, finding, evidence_form=form)


def _review(request, pk, *, form_class, form_name, action, message):
    finding = _visible_finding(request, pk)
    if not request.user.can_supervise:
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(finding=finding, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _after(request, finding, message)
    return _render_finding(request, finding, **{form_name: form})


@require_POST
@login_required
def finding_verify(request, pk):
    return _review(
        request,
        pk,
        form_class=ReviewForm,
        form_name="review_form",
        action=services.finding_verify,
        message=_("Rectification verified."),
    )


@require_POST
@login_required
def finding_reject(request, pk):
    return _review(
        request,
        pk,
        form_class=RejectForm,
        form_name="reject_form",
        action=services.finding_reject,
        message=_("Rectification not accepted; the county has been sent back to work on it."),
    )


@require_POST
@login_required
def finding_close(request, pk):
    return _review(
        request,
        pk,
        form_class=ReviewForm,
        form_name="review_form",
        action=services.finding_close,
        message=_("Finding closed."),
    )


@login_required
def overview(request):
    """The city's view: visits by kind and period, open and overdue findings per county."""
    years, shown = selectors.overview_years(user=request.user)
    form = OverviewForm(request.GET or None, years=years)
    period = form.chosen_period() if form.is_bound else selectors.Period(shown)
    if not form.is_bound:
        form = OverviewForm(initial={"year": shown}, years=years)
    return render(
        request,
        "inspections/overview.html",
        {
            "form": form,
            "overview": selectors.supervision_overview(user=request.user, period=period),
        },
    )


PHOTO_MODELS = {"visit": VisitPhoto, "evidence": EvidencePhoto}


@login_required
def photo_file(request, pk, *, kind, thumbnail=False):
    """A stored photo, served only to those who may see it (MEDIA_ROOT is not public)."""
    model = PHOTO_MODELS[kind]
    photo = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    stored = photo.thumbnail if thumbnail else photo.image
    try:
        opened = stored.storage.open(stored.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(opened, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
