import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gaibo.forms import DateInput
from inspections.choices import UNRESOLVED_STATUSES, FindingStatus, Severity, VisitKind
from inspections.models import Finding, Visit, VisitCounty
from inspections.selectors import overdue_condition
from projects.selectors import counties_visible_to


def _counties(request):
    return counties_visible_to(user=request.user)


class VisitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=VisitKind.choices, label=_("Kind of supervision"))
    county = django_filters.ModelChoiceFilter(
        queryset=_counties, method="in_county", label=_("County")
    )
    year = django_filters.NumberFilter(field_name="visited_on", lookup_expr="year", label=_("Year"))

    class Meta:
        model = Visit
        fields = ["kind", "county", "year"]

    def in_county(self, queryset, name, value):
        # Through the link table, so that a visit of several counties is listed once.
        return queryset.filter(pk__in=VisitCounty.objects.filter(county=value).values("visit_id"))


class FindingFilter(django_filters.FilterSet):
    SHOW_UNRESOLVED, SHOW_OVERDUE = "unresolved", "overdue"

    q = django_filters.CharFilter(method="search", label=_("Search"))
    show = django_filters.ChoiceFilter(
        choices=[(SHOW_UNRESOLVED, _("Not yet verified")), (SHOW_OVERDUE, _("Overdue"))],
        method="filter_show",
        label=_("Show"),
    )
    status = django_filters.ChoiceFilter(choices=FindingStatus.choices, label=_("Status"))
    county = django_filters.ModelChoiceFilter(
        field_name="responsible_county", queryset=_counties, label=_("County")
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    # The findings a dashboard counted as overdue at a month's end (its alert links here).
    overdue_on = django_filters.DateFilter(
        method="filter_overdue_on", label=_("Overdue on"), widget=DateInput()
    )

    class Meta:
        model = Finding
        fields = ["q", "show", "status", "county", "severity", "overdue_on"]

    def filter_overdue_on(self, queryset, name, value):
        return queryset.filter(overdue_condition(value))

    def filter_show(self, queryset, name, value):
        if value == self.SHOW_OVERDUE:
            return queryset.filter(is_overdue=True)
        return queryset.filter(status__in=UNRESOLVED_STATUSES)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(description__icontains=value)
            | Q(responsible_unit__icontains=value)
            | Q(school__name__icontains=value)
            | Q(project__name__icontains=value)
            | Q(project__code__icontains=value)
        )
