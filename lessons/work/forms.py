from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.refusals import Refusal
from lessons.library.forms import TextField
from lessons.library.models import Lesson, Prompt, Technique

from .models import Assignment
from .selectors import PromptAnswer


def form_refusal(form: forms.Form) -> Refusal:
    """A form's errors as one refusal (400), for a page that shows them in one place."""
    errors = [str(error) for errors in form.errors.values() for error in errors]
    return Refusal(" ".join(dict.fromkeys(errors)))


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AssignForm(forms.Form):
    lesson = forms.ModelChoiceField(
        queryset=Lesson.objects.none(), label=_("Lesson"), empty_label=_("Choose a lesson")
    )
    opens_at = forms.DateTimeField(
        label=_("Opens (optional)"), required=False, widget=_datetime_widget()
    )
    due_at = forms.DateTimeField(
        label=_("Due (optional)"), required=False, widget=_datetime_widget()
    )
    feedback_release = forms.ChoiceField(
        label=_("Students see the answer key and feedback"),
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
        form.add_error("due_at", _("The due date must come after the opening time."))
    if cleaned.get("feedback_release") == Assignment.Release.AFTER_DUE and not due:
        form.add_error("due_at", _("Set a due date to release feedback after it."))
    return cleaned


class AssignmentSettingsForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["opens_at", "due_at", "accept_late", "feedback_release"]
        labels = {
            "opens_at": _("Opens (optional)"),
            "due_at": _("Due (optional)"),
            "accept_late": _("Accept work after the due date (marked late)"),
            "feedback_release": _("Students see the answer key and feedback"),
        }
        widgets = {"opens_at": _datetime_widget(), "due_at": _datetime_widget()}

    def clean(self):
        return _check_dates(self, super().clean())


class ExtensionForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("New due date"),
        required=False,
        widget=_datetime_widget(),
        help_text=_("Leave empty to remove the extension."),
    )


class TechniquesField(forms.TypedMultipleChoiceField):
    """Techniques ticked from the lesson's list (an empty value is no choice)."""

    def __init__(self, *, techniques: list[Technique], **kwargs):
        by_pk = {str(t.pk): t for t in techniques}
        super().__init__(
            choices=[(pk, t.display_name) for pk, t in by_pk.items()],
            coerce=by_pk.__getitem__,
            required=False,
            error_messages={"invalid_choice": _("Choose techniques from this lesson's list.")},
            **kwargs,
        )

    def to_python(self, value):
        return [v for v in super().to_python(value) if v]


class AnswersForm(forms.Form):
    """The answers to one passage's prompts, posted as `prompt-<id>`: a written answer, or
    the techniques ticked. Only the prompts posted are saved, except that a choose prompt
    with every box unticked sends nothing: with the `answers` marker, that is no choice."""

    answers = forms.BooleanField(required=False, widget=forms.HiddenInput)
    go = forms.ChoiceField(
        required=False,
        choices=[(go, go) for go in ("", "stay", "previous", "next", "review")],
        error_messages={
            "invalid_choice": _("This form is damaged. Reload the page and try again.")
        },
    )

    def __init__(self, *args, prompts, techniques, **kwargs):
        super().__init__(*args, **kwargs)
        techniques = list(techniques)
        self.prompts = {f"prompt-{p.pk}": p for p in prompts if p.is_answerable}
        for name, prompt in self.prompts.items():
            if prompt.kind == Prompt.Kind.TEXT:
                self.fields[name] = TextField(
                    max_length=settings.MAX_ANSWER_LENGTH,
                    required=False,
                    error_messages={
                        "max_length": _(
                            "An answer is longer than %(limit_value)d characters. "
                            "Shorten it and save again."
                        ),
                        "unstorable": _(
                            "An answer has a character that cannot be saved (a null "
                            "character or half of an emoji, shown as �). Remove it and save "
                            "again."
                        ),
                    },
                )
            else:
                self.fields[name] = TechniquesField(techniques=techniques)

    def clean(self):
        sent = [name for name in self.data if name.startswith("prompt-")]
        if any(name not in self.prompts for name in sent):
            raise forms.ValidationError(_("One of the questions sent is not part of this passage."))
        return super().clean()

    def texts(self) -> dict[Prompt, str]:
        return {
            prompt: self.cleaned_data[name]
            for name, prompt in self.prompts.items()
            if prompt.kind == Prompt.Kind.TEXT and name in self.data
        }

    def chosen(self) -> dict[Prompt, list[Technique]]:
        return {
            prompt: self.cleaned_data[name]
            for name, prompt in self.prompts.items()
            if prompt.kind == Prompt.Kind.CHOOSE
            and (name in self.data or self.cleaned_data["answers"])
        }

    def typed(self, answer: PromptAnswer) -> PromptAnswer:
        """The answer as the student typed it in this (refused) form, so it is not lost."""
        name = f"prompt-{answer.prompt.pk}"
        if name not in self.fields or name not in self.data:
            return answer
        value = self[name].value()
        if answer.prompt.kind == Prompt.Kind.TEXT:
            return PromptAnswer(answer.prompt, text=value or "")
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return PromptAnswer(answer.prompt, chosen={int(v) for v in value if field.valid_value(v)})


class MoveForm(forms.Form):
    """The revision a teacher moves their class to (the page fills it in)."""

    to = forms.ModelChoiceField(
        queryset=Lesson.objects.all(),
        error_messages={
            "required": _("That revision does not exist."),
            "invalid_choice": _("That revision does not exist."),
        },
    )


class StudentDeleteForm(forms.Form):
    """The confirmation of deleting a student's data: a box to tick, as it cannot be undone."""

    confirm = forms.BooleanField(
        label=_("I understand that this deletes the account and all the work for good"),
        error_messages={"required": _("Tick the box to confirm: nothing was deleted.")},
    )
