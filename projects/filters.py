import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.choices import Programme, ProjectCategory, ProjectStatus, SchoolLocation, SchoolType
from projects.models import Project, School
from projects.selectors import counties_visible_to, schools_visible_to


def _counties(request):
    return counties_visible_to(user=request.user)


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    county = django_filters.ModelChoiceFilter(
        field_name="school__county", queryset=_counties, label=_("County")
    )
    school = django_filters.ModelChoiceFilter(queryset=School.objects.none(), label=_("School"))
    programme = django_filters.ChoiceFilter(choices=Programme.choices, label=_("Programme"))
    category = django_filters.ChoiceFilter(choices=ProjectCategory.choices, label=_("Category"))
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("Status"))
    plan_year = django_filters.NumberFilter(label=_("Plan year"))

    class Meta:
        model = Project
        fields = ["q", "county", "school", "programme", "category", "status", "plan_year"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # The school list follows the chosen county, so that a city's list stays short.
        schools = schools_visible_to(user=request.user)
        county = str(self.data.get("county") or "")
        if county.isdigit() and len(county) < 18:
            schools = schools.filter(county_id=county)
        self.filters["school"].queryset = schools

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(school__name__icontains=value)
            | Q(school__code__icontains=value)
            | Q(contractor__icontains=value)
        )


class SchoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    county = django_filters.ModelChoiceFilter(queryset=_counties, label=_("County"))
    school_type = django_filters.ChoiceFilter(choices=SchoolType.choices, label=_("School type"))
    location = django_filters.ChoiceFilter(choices=SchoolLocation.choices, label=_("Location"))

    class Meta:
        model = School
        fields = ["q", "county", "school_type", "location"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))
