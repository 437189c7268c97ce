from django import forms
from django.conf import settings
from django.db.models import Q

from .anchoring import AmbiguousQuote, Anchor, AnchorError, locate
from .models import MAX_SCORE, Assignment, Lesson, Taxonomy, Technique


class TextField(forms.CharField):
    """Text from a <textarea>: line breaks count as one character, as the browser counts
    them for maxlength (a form post sends each as CR LF)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value


class TechniqueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Technique) -> str:
        return obj.name


def technique_choices(techniques) -> list:
    """Choices grouped by category where the taxonomy has categories (SemEval-2023)."""
    groups: dict[str, list] = {}
    for technique in techniques:
        groups.setdefault(technique.category, []).append((technique.pk, technique.name))
    if list(groups) == [""]:
        return [("", "Choose a technique…"), *groups[""]]
    return [("", "Choose a technique…"), *groups.items()]


class HighlightEditForm(forms.Form):
    technique = TechniqueChoiceField(queryset=Technique.objects.none(), label="Technique")
    note = TextField(
        label="Why? (optional)",
        max_length=settings.MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, techniques, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["technique"]
        field.queryset = techniques
        field.choices = choices if choices is not None else technique_choices(techniques)
        field.error_messages["invalid_choice"] = "Choose a technique from this lesson's list."


class HighlightForm(HighlightEditForm):
    """Words to highlight: selected in the text (offsets filled in by highlight.js) or typed."""

    quote = forms.CharField(
        label="Words",
        max_length=settings.MAX_QUOTE_LENGTH,
        required=False,
        help_text="Select words in the text, or type or paste them here.",
        widget=forms.Textarea(attrs={"rows": 2, "data-quote-input": ""}),
    )
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    occurrence = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    field_order = ["quote", "start", "end", "occurrence", "technique", "note"]
    quote_choices: list[Anchor] = []  # set by anchor_in when the words occur several times

    def anchor_in(self, text: str) -> Anchor | None:
        """Where the valid form's words are in `text`. None when they cannot be placed: the
        reason is then the quote field's error, and for repeated words `quote_choices` holds
        the places to choose from ("Which one do you mean?")."""
        data = self.cleaned_data
        try:
            return locate(
                text,
                data["quote"],
                start=data["start"],
                end=data["end"],
                occurrence=data["occurrence"],
            )
        except AmbiguousQuote as error:
            self.quote_choices = error.choices
            self.add_error("quote", str(error))
        except AnchorError as error:
            self.add_error("quote", str(error))
        return None

    def clean(self):
        # The hidden fields are filled in by the page, so their errors are not the
        # student's to fix field by field: say plainly what to do instead.
        if any(name in self.errors for name in ("start", "end", "occurrence")):
            for name in ("start", "end", "occurrence"):
                self.errors.pop(name, None)
            self.add_error(
                None,
                "The selected words could not be read. Select them again, or type them.",
            )
        return super().clean()


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AssignForm(forms.Form):
    lesson = forms.ModelChoiceField(queryset=Lesson.objects.none(), label="Lesson")
    opens_at = forms.DateTimeField(
        label="Opens (optional)", required=False, widget=_datetime_widget()
    )
    due_at = forms.DateTimeField(label="Due (optional)", required=False, widget=_datetime_widget())
    feedback_release = forms.ChoiceField(
        label="Students see the answer key and feedback",
        choices=Assignment.Release.choices,
        initial=Assignment.Release.ON_SUBMIT,
        required=False,
    )

    def clean_feedback_release(self):
        return self.cleaned_data["feedback_release"] or Assignment.Release.ON_SUBMIT

    def __init__(self, *args, lessons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].queryset = lessons

    def clean(self):
        cleaned = super().clean()
        return _check_dates(self, cleaned)


def _check_dates(form: forms.Form, cleaned: dict) -> dict:
    opens, due = cleaned.get("opens_at"), cleaned.get("due_at")
    if opens and due and due <= opens:
        form.add_error("due_at", "The due date must come after the opening time.")
    if cleaned.get("feedback_release") == Assignment.Release.AFTER_DUE and not due:
        form.add_error("due_at", "Set a due date to release feedback after it.")
    return cleaned


class AssignmentSettingsForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["opens_at", "due_at", "accept_late", "feedback_release"]
        labels = {
            "opens_at": "Opens (optional)",
            "due_at": "Due (optional)",
            "accept_late": "Accept work after the due date (marked late)",
            "feedback_release": "Students see the answer key and feedback",
        }
        widgets = {"opens_at": _datetime_widget(), "due_at": _datetime_widget()}

    def clean(self):
        return _check_dates(self, super().clean())


class ExtensionForm(forms.Form):
    due_at = forms.DateTimeField(
        label="New due date",
        required=False,
        widget=_datetime_widget(),
        help_text="Leave empty to remove the extension.",
    )


REVIEW_COMMENT_MAX_LENGTH = 5000


class ReviewForm(forms.Form):
    """A teacher's comment and score on one answer, one key span, or (neither target given)
    the whole work. The target comes in a hidden field; the view checks it is this lesson's.
    (_review_form.html writes the fields out itself: a class's worth of forms renders fast.)"""

    max_score = MAX_SCORE

    comment = TextField(
        label="Comment",
        max_length=REVIEW_COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    score = forms.TypedChoiceField(
        label="Score",
        choices=[("", "—"), *((str(n), str(n)) for n in range(MAX_SCORE + 1))],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": f"Choose a score from 0 to {MAX_SCORE}, or none."},
    )
    reviewed = forms.BooleanField(label="Reviewed", required=False, initial=True)
    prompt = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    key_span = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        # Hidden fields are filled in by the page: say plainly what went wrong instead.
        damaged = [self.errors.pop(name, None) for name in ("prompt", "key_span", "next")]
        if any(damaged):
            self.add_error(None, "This review form is damaged. Reload the page and try again.")
        elif cleaned.get("prompt") and cleaned.get("key_span"):
            self.add_error(None, "Review one answer or one key span at a time.")
        return cleaned


class LibraryFilterForm(forms.Form):
    """The lesson library's search and filters: a plain GET form."""

    q = forms.CharField(
        label="Search",
        max_length=200,
        required=False,
        help_text="Words from the title, author, place or source.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    taxonomy = forms.ModelChoiceField(
        queryset=Taxonomy.objects.all(),
        label="Techniques list",
        required=False,
        to_field_name="slug",
        empty_label="Any",
    )
    language = forms.ChoiceField(label="Language", required=False)
    level = forms.ChoiceField(label="Level", required=False)
    author = forms.CharField(label="Author", max_length=200, required=False)
    mine = forms.BooleanField(label="My lessons only", required=False)

    def __init__(self, *args, lessons, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("language", "level"):
            values = (
                lessons.exclude(**{name: ""}).order_by(name).values_list(name, flat=True).distinct()
            )
            self.fields[name].choices = [("", "Any"), *((v, v) for v in values)]

    def filter(self, lessons, user):
        data = self.cleaned_data
        if q := data.get("q", "").strip():
            lessons = lessons.filter(
                Q(title__icontains=q)
                | Q(author__icontains=q)
                | Q(place__icontains=q)
                | Q(source__icontains=q)
            )
        if data.get("taxonomy"):
            lessons = lessons.filter(taxonomy=data["taxonomy"])
        if data.get("language"):
            lessons = lessons.filter(language=data["language"])
        if data.get("level"):
            lessons = lessons.filter(level=data["level"])
        if author := data.get("author", "").strip():
            lessons = lessons.filter(author__icontains=author)
        if data.get("mine"):
            lessons = lessons.filter(created_by=user)
        return lessons
