"""Forms of the passage editor. What they accept is what the lesson file can hold, so a
lesson written in the browser exports and imports back exactly (docs/lesson-format.md)."""

import re

from django import forms

from lessons.library.forms import HighlightEditForm, HighlightForm, TextField
from lessons.library.models import Prompt, Segment
from lessons.library.rendering import plain_text, render_markdown

MAX_BODY_LENGTH = 20_000
MAX_PROMPT_LENGTH = 1000
MAX_EXPLANATION_LENGTH = 2000
QUOTE_END_RE = re.compile(r'"(?:\s*#\d+)?\s*\|')  # how the file's key line ends a quote


def one_line(value: str) -> str:
    """A value the lesson file keeps on one line: line breaks and runs of spaces become one
    space, as the file's continuation lines would read back."""
    return " ".join(value.split())


class IdsField(forms.Field):
    """Ids sent back in hidden inputs, one per value."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> set[int]:
        try:
            return {int(v) for v in value or []}
        except (TypeError, ValueError) as error:
            raise forms.ValidationError("This form is damaged. Reload the page.") from error


class SegmentForm(forms.Form):
    title = forms.CharField(
        label="Title (optional)",
        max_length=Segment._meta.get_field("title").max_length,
        required=False,
        help_text="Shown to students above the passage.",
    )
    markdown = TextField(
        label="Text (Markdown)",
        max_length=MAX_BODY_LENGTH,
        error_messages={
            "required": "The passage needs some text.",
            "max_length": f"The text is longer than {MAX_BODY_LENGTH:,} characters. "
            "Split it into two passages.",
        },
        help_text="Keep the source word for word. *italics*, **bold** and links are allowed.",
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    # After a refused save: the key spans listed, and whether the author agrees to lose them.
    unplaced = IdsField(required=False)
    remove_unplaced = forms.BooleanField(required=False)

    def clean_title(self) -> str:
        return one_line(self.cleaned_data["title"])

    def clean_markdown(self) -> str:
        body = self.cleaned_data["markdown"].strip()
        headings = [
            line for line in body.split("\n") if line.startswith("## ") or line.startswith("### ")
        ]
        if headings:
            raise forms.ValidationError(
                "A line may not start with ## or ### (they separate the parts of a lesson "
                "file): use #### for a heading, or split the passage."
            )
        if not plain_text(render_markdown(body)).strip():
            raise forms.ValidationError("The passage shows no text: write the words students read.")
        return body


class PromptForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=Prompt.Kind.choices)
    text = TextField(
        label="Prompt",
        max_length=MAX_PROMPT_LENGTH,
        error_messages={"required": "Write the prompt."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_text(self) -> str:
        return one_line(self.cleaned_data["text"])


class _Explanation(TextField):
    def to_python(self, value):
        return one_line(super().to_python(value) or "")


def _explanation_field() -> forms.Field:
    return _Explanation(
        label="Explanation for students",
        max_length=MAX_EXPLANATION_LENGTH,
        help_text="Why these words use the technique, in a sentence. Students read it with "
        "their feedback.",
        error_messages={"required": "Write why these words use the technique."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _check_explanation(value: str) -> str:
    # In the file a key line is TECHNIQUE | "quote" | explanation: a double quote followed by
    # | in the explanation would read back as the end of the quote.
    if QUOTE_END_RE.search(value):
        raise forms.ValidationError(
            "An explanation may not have a double quote followed by |. Reword it."
        )
    return value


class KeySpanEditForm(HighlightEditForm):
    """The technique and explanation of a key span (its words change by removing and adding)."""

    note = None
    explanation = _explanation_field()

    def clean_explanation(self) -> str:
        return _check_explanation(self.cleaned_data["explanation"])


class KeySpanForm(HighlightForm):
    """A new key span: words selected in the text (offsets from highlight.js) or typed, as
    on the student's page."""

    note = None
    explanation = _explanation_field()
    field_order = ["quote", "start", "end", "occurrence", "technique", "explanation"]

    def clean_explanation(self) -> str:
        return _check_explanation(self.cleaned_data["explanation"])
