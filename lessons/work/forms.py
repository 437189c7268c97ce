from django import forms

from lessons.library.forms import TextField
from lessons.library.models import Lesson

from .models import MAX_SCORE, Assignment


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
