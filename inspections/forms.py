from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gaibo.forms import DateInput
from inspections import selectors
from inspections.choices import CheckOutcome, TeamUnit
from inspections.models import CheckResult, Finding, TeamMember, Visit
from inspections.photos import max_bytes, megabytes, process_photo
from projects.selectors import counties_visible_to, projects_visible_to, schools_visible_to

# A finding's deadline, unless the team sets another: this many days after the visit.
DEFAULT_RECTIFICATION_DAYS = 30
MAX_PHOTOS_AT_ONCE = 10


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Photos from a phone's camera or album; each is checked and resized (photos.py).

    Cleans to a list of `ProcessedPhoto`, so that a bad file is refused before anything is
    saved. Any number of inputs may share the field's name (a camera one and an album one).
    """

    widget = MultipleFileInput(attrs={"accept": "image/*"})
    default_error_messages = {
        "too_many": _("At most %(max)s photos at a time."),
    }

    def __init__(self, *, max_photos=MAX_PHOTOS_AT_ONCE, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_photos = max_photos

    @property
    def limit_mb(self) -> str:
        return megabytes(max_bytes())

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        files = [upload for upload in uploads if upload]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_photos:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": self.max_photos}
            )
        processed, errors = [], []
        for upload in files:
            try:
                processed.append(process_photo(super().clean(upload, initial)))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return processed


class VisitForm(forms.ModelForm):
    counties = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Counties"),
    )
    schools = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label=_("Schools"),
        help_text=_("The counties of the schools and projects chosen are added to the visit."),
    )
    projects = forms.ModelMultipleChoiceField(queryset=None, required=False, label=_("Projects"))

    class Meta:
        model = Visit
        fields = ["kind", "visited_on", "summary", "opinion"]
        widgets = {
            "kind": forms.RadioSelect,
            "visited_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "opinion": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counties"].queryset = counties_visible_to(user=user)
        self.fields["schools"].queryset = schools_visible_to(user=user)
        self.fields["schools"].label_from_instance = lambda school: (
            f"{school.county.name} · {school.name}"
        )
        self.fields["projects"].queryset = projects_visible_to(user=user)
        self.fields["projects"].label_from_instance = lambda project: (
            f"{project.school.county.name} · {project.code} {project.name}"
        )
        for name in ("schools", "projects"):
            self.fields[name].widget.attrs["size"] = 6
        if self.instance.pk:
            targets = selectors.visit_targets(visit=self.instance)
            for name in ("counties", "schools", "projects"):
                self.initial[name] = list(targets[name])
        elif not self.initial.get("visited_on"):
            self.initial["visited_on"] = selectors.today()


class TeamMemberForm(forms.ModelForm):
    class Meta:
        model = TeamMember
        fields = ["name", "unit", "is_leader"]

    def has_changed(self):
        # A new row prefilled for the inspector counts once it has a name, even left as it was.
        if self.instance.pk is None and self["name"].value():
            return True
        return super().has_changed()


TeamMemberFormSet = forms.inlineformset_factory(
    Visit,
    TeamMember,
    form=TeamMemberForm,
    extra=2,
    can_delete=True,
    can_delete_extra=False,
)


def team_initial(user) -> list[dict]:
    """The first row of a new visit's team: the inspector logging it, as its leader."""
    return [
        {
            "name": user.get_full_name() or user.username,
            "unit": TeamUnit.SUPERVISION_OFFICE,
            "is_leader": True,
        }
    ]


class CheckResultForm(forms.ModelForm):
    class Meta:
        model = CheckResult
        fields = ["outcome", "note"]
        widgets = {
            "outcome": forms.RadioSelect,
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == CheckOutcome.PROBLEM and not cleaned.get("note", "").strip():
            self.add_error("note", _("Describe the problem found in the note."))
        return cleaned


CheckResultFormSet = forms.modelformset_factory(CheckResult, form=CheckResultForm, extra=0)


class PhotoUploadForm(forms.Form):
    photos = PhotosField(label=_("Photos"), required=True)
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)
    finding = forms.ModelChoiceField(queryset=None, required=False, label=_("Photo of the finding"))

    def __init__(self, *args, visit, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = selectors.findings_visible_to(user=user).filter(
            visit=visit
        )


class FindingForm(forms.ModelForm):
    photos = PhotosField(label=_("Photos of the problem"))

    class Meta:
        model = Finding
        fields = [
            "check_result",
            "responsible_county",
            "school",
            "project",
            "description",
            "requirement",
            "severity",
            "responsible_unit",
            "deadline",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "requirement": forms.Textarea(attrs={"rows": 2}),
            "severity": forms.RadioSelect,
            "deadline": DateInput(),
        }
        help_texts = {
            "responsible_unit": _(
                "The unit that carries out the rectification; left blank, the county's "
                "education bureau."
            ),
        }

    def __init__(self, *args, visit, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.visit = visit
        targets = selectors.visit_targets(visit=visit)
        counties = targets["counties"].filter(pk__in=counties_visible_to(user=user).values("pk"))
        self.fields["responsible_county"].queryset = counties
        self.fields["school"].queryset = targets["schools"]
        self.fields["project"].queryset = targets["projects"]
        self.fields["check_result"].queryset = selectors.check_results_of(visit=visit).filter(
            outcome=CheckOutcome.PROBLEM
        )
        self.fields["check_result"].label_from_instance = lambda result: (
            f"{result.get_area_display()} · {result.text}"
        )
        self.fields["responsible_unit"].required = False
        if not self.is_bound:
            # A new finding's model values are empty; fill what saves the inspector taps.
            if not self.initial.get("deadline"):
                self.initial["deadline"] = visit.visited_on + timedelta(
                    days=DEFAULT_RECTIFICATION_DAYS
                )
            only = list(counties[:2])
            if len(only) == 1 and not self.initial.get("responsible_county"):
                self.initial["responsible_county"] = only[0].pk

    def clean(self):
        cleaned = super().clean()
        county = cleaned.get("responsible_county")
        if county and not cleaned.get("responsible_unit", "").strip():
            cleaned["responsible_unit"] = _("%(county)s education bureau") % {"county": county}
            self.instance.responsible_unit = cleaned["responsible_unit"]
        return cleaned


class EvidenceForm(forms.Form):
    evidence = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The rectification carried out, and the documents that prove it."),
    )
    photos = PhotosField(label=_("Photos of the rectification"))


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not accepted"), widget=forms.Textarea(attrs={"rows": 3})
    )


class OverviewForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())
    period = forms.ChoiceField(label=_("Period"), required=False, choices=())

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["period"].choices = [
            ("", _("Whole year")),
            *[(f"q{q}", _("Quarter %(quarter)s") % {"quarter": q}) for q in range(1, 5)],
            *[(f"m{month}", _("Month %(month)s") % {"month": month}) for month in range(1, 13)],
        ]

    def chosen_period(self) -> selectors.Period:
        """The period chosen; this year when the form is not valid."""
        if not self.is_valid():
            return selectors.Period(selectors.today().year)
        year, chosen = self.cleaned_data["year"], self.cleaned_data["period"]
        if chosen.startswith("q"):
            return selectors.Period(year, quarter=int(chosen[1:]))
        if chosen.startswith("m"):
            return selectors.Period(year, month=int(chosen[1:]))
        return selectors.Period(year)
