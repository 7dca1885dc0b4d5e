"""The dashboard pages, their JSON, their .xlsx and the bulletin: thin views over
dashboard.selectors. Every one resolves its district or school through the access rule (404
outside the user's subtree)."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from dashboard import api, charts, selectors
from dashboard.columns import QUANTITY_CATEGORIES, RANKING_COLUMNS
from dashboard.documents import bulletin as bulletin_document
from dashboard.exports import dashboard_sheets, school_sheets, summary_sheets
from dashboard.forms import DashboardQueryForm, SummaryQueryForm
from gaibo import page_cache
from gaibo.access import visible_ancestors
from gaibo.api_tokens import key_or_login_required
from gaibo.exports import xlsx_workbook_response
from projects.models import District, School

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _district(user, code: str | None) -> District:
    """The district asked for, else the user's own (the administrator's: the first province)."""
    districts = District.objects.visible_to(user)
    if code:
        district = districts.filter(code=code).first()
    elif user.district_id:
        district = districts.filter(pk=user.district_id).first()
    else:
        district = districts.filter(parent__isnull=True).order_by("code").first()
    if district is None:
        raise Http404
    return district


class Query:
    """The parameters of a request, checked, with the defaults filled in: the user's district
    (or the one given), the latest month with approved reports."""

    def __init__(self, request, *, district=None):
        self.form = DashboardQueryForm(request.GET)
        valid = self.form.is_valid()
        data = self.form.cleaned_data if valid else {}
        self.errors = {} if valid else self.form.errors
        self.district = district or _district(request.user, data.get("district"))
        self.year, self.month = data.get("month") or selectors.latest_month(
            user=request.user, district=self.district
        )
        self.pending = bool(data.get("pending"))
        self.rank = data.get("rank") or selectors.DEFAULT_RANK


def _district_dashboard(request, query):
    return selectors.district_dashboard(
        user=request.user,
        district=query.district,
        year=query.year,
        month=query.month,
        pending=query.pending,
        rank_by=query.rank,
    )


def _school(user, code: str) -> School:
    school = School.objects.visible_to(user).select_related("county").filter(code=code).first()
    if school is None:
        raise Http404
    return school


def _school_dashboard(request, code):
    school = _school(request.user, code)
    query = Query(request, district=school.county)
    dashboard = selectors.school_dashboard(
        user=request.user, school=school, year=query.year, month=query.month, pending=query.pending
    )
    return query, dashboard


def _trend_chart(dashboard):
    return charts.line_chart(
        [point.label for point in dashboard.trend],
        {
            key: (label, [getattr(point.figures, key) for point in dashboard.trend])
            for key, label in selectors.RATES.items()
        },
        title=_("Rates month by month"),
    )


def _kept_page(request, name: str, draw):
    """base.html around the page draw() returns (title, content, status), kept while the data
    stays the same (gaibo.page_cache)."""
    page = page_cache.kept(request, name, draw)
    return render(request, "kept_page.html", {"page": page}, status=page["status"])


def _page(request, template: str, title: str, context: dict, status: int = 200) -> dict:
    return {
        "title": title,
        "content": render_to_string(template, context, request),
        "status": status,
    }


def _district_page(request) -> dict:
    query = Query(request)
    dashboard = _district_dashboard(request, query)
    # The breadcrumb: the districts above that the user sees, then this one.
    path = [*visible_ancestors(request.user, query.district), query.district]
    month_param = f"{query.year}-{query.month:02d}"
    return _page(
        request,
        "dashboard/district.html",
        f"{_('Dashboard')} · {dashboard.node.name} · {month_param}",
        {
            "dashboard": dashboard,
            "query": query,
            "form": query.form
            if query.errors
            else DashboardQueryForm(
                initial={
                    "district": query.district.code,
                    "month": (query.year, query.month),
                    "pending": query.pending,
                    "rank": query.rank,
                }
            ),
            "path": path,
            "ranking_columns": RANKING_COLUMNS,
            "quantity_categories": QUANTITY_CATEGORIES,
            "trend_chart": _trend_chart(dashboard),
            "bar_chart": charts.bar_chart(dashboard.children, dashboard.rank_by, _("Ranking")),
            "rates": selectors.RATES,
            "rank_label": selectors.RATES[dashboard.rank_by],
            "month_param": month_param,
        },
        status=400 if query.errors else 200,
    )


@login_required
def district(request):
    return _kept_page(request, "dashboard:district", lambda: _district_page(request))


@login_required
def district_export(request):
    query = Query(request)
    dashboard = _district_dashboard(request, query)
    return xlsx_workbook_response(
        filename=f"dashboard-{dashboard.node.code}-{dashboard.year}-{dashboard.month:02d}.xlsx",
        sheets=dashboard_sheets(dashboard),
    )


@login_required
def bulletin(request):
    query = Query(request)
    dashboard = _district_dashboard(request, query)
    response = HttpResponse(bulletin_document(dashboard), content_type=DOCX_TYPE)
    filename = f"月通报-{dashboard.node.name}-{dashboard.year}-{dashboard.month:02d}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _school_page(request, code) -> dict:
    query, dashboard = _school_dashboard(request, code)
    month_param = f"{query.year}-{query.month:02d}"
    return _page(
        request,
        "dashboard/school.html",
        f"{_('Dashboard')} · {dashboard.school.name} · {month_param}",
        {
            "dashboard": dashboard,
            "query": query,
            "columns": RANKING_COLUMNS,
            "month_param": month_param,
            "county_url": selectors.district_url(
                dashboard.school.county, query.year, query.month, query.pending
            ),
        },
    )


@login_required
def school(request, code):
    return _kept_page(request, "dashboard:school", lambda: _school_page(request, code))


@login_required
def school_export(request, code):
    query, dashboard = _school_dashboard(request, code)
    return xlsx_workbook_response(
        filename=f"dashboard-{dashboard.school.code}-{dashboard.year}-{dashboard.month:02d}.xlsx",
        sheets=school_sheets(dashboard),
    )


def _data(request) -> tuple[dict, int]:
    school_code = request.GET.get("school")
    if school_code:
        query, dashboard = _school_dashboard(request, school_code)
        if query.errors:
            return {"errors": query.errors.get_json_data()}, 400
        return api.school_data(dashboard), 200
    query = Query(request)
    if query.errors:
        return {"errors": query.errors.get_json_data()}, 400
    return api.dashboard_data(_district_dashboard(request, query)), 200


@key_or_login_required
def data(request):
    """GET /dashboard/api/?district=210800&month=2017-11[&pending=1][&rank=…], or
    ?school=<10-digit code>&month=…: the dashboard's figures as JSON, kept while the data stays
    the same (gaibo.page_cache)."""
    figures, status = page_cache.kept(request, "dashboard:data", lambda: _data(request))
    return JsonResponse(figures, status=status, json_dumps_params={"ensure_ascii": False})


def _summary(request):
    form = SummaryQueryForm(request.GET or None)
    if not form.is_valid():
        return form, None
    district = _district(request.user, form.cleaned_data.get("district"))
    summary = selectors.year_end_summary(
        user=request.user,
        district=district,
        first_year=form.cleaned_data["first_year"],
        last_year=form.cleaned_data["last_year"],
    )
    return form, summary


@login_required
def summary(request):
    form, summary = _summary(request)
    if summary is None and not request.GET:
        district = _district(request.user, None)
        form = SummaryQueryForm(
            initial={"district": district.code, "first_year": 2014, "last_year": 2018}
        )
    return render(
        request,
        "dashboard/summary.html",
        {"form": form, "summary": summary, "quantity_categories": QUANTITY_CATEGORIES},
        status=400 if request.GET and summary is None else 200,
    )


@login_required
def summary_export(request):
    form, summary = _summary(request)
    if summary is None:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    return xlsx_workbook_response(
        filename=f"summary-{summary.district.code}-{summary.first_year}-{summary.last_year}.xlsx",
        sheets=summary_sheets(summary),
    )


@key_or_login_required
def summary_data(request):
    """GET /dashboard/api/summary/?district=210800&first_year=2014&last_year=2018."""
    form, summary = _summary(request)
    if summary is None:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    return JsonResponse(api.summary_data(summary), json_dumps_params={"ensure_ascii": False})
