from django import forms
from django.conf import settings

from .models import Lesson, Technique


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


class AssignForm(forms.Form):
    lesson = forms.ModelChoiceField(queryset=Lesson.objects.none(), label="Lesson")
    opens_at = forms.DateTimeField(
        label="Opens (optional)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    due_at = forms.DateTimeField(
        label="Due (optional)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, lessons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].queryset = lessons

    def clean(self):
        cleaned = super().clean()
        opens, due = cleaned.get("opens_at"), cleaned.get("due_at")
        if opens and due and due <= opens:
            self.add_error("due_at", "The due date must come after the opening time.")
        return cleaned
