"""Forms of the lesson authoring pages (lessons/views/authoring.py)."""

from django import forms

from lessons.library.bundles import MAX_UPLOAD_BYTES
from lessons.library.forms import TextField
from lessons.library.lessonfile import SLUG_RE
from lessons.library.models import Lesson, Segment, Taxonomy

from .services import MAX_INTRODUCTION, MAX_PASTED_TEXT, SLUG_LENGTH, clean_slug


def _length(name: str) -> int:
    return Lesson._meta.get_field(name).max_length


class LessonDetailsForm(forms.Form):
    """What students are told about the text, and how the lesson is filed. A draft may
    leave most of it empty; publishing asks for what is missing."""

    title = forms.CharField(label="Title of the lesson", max_length=_length("title"))
    slug = forms.CharField(
        label="Address (optional)",
        max_length=SLUG_LENGTH,
        required=False,
        help_text="The lesson's name in its web address and file name: a-z, 0-9 and "
        "hyphens. Left empty, it is made from the title.",
    )
    taxonomy = forms.ModelChoiceField(
        queryset=Taxonomy.objects.all(),
        label="Techniques list",
        empty_label=None,
        help_text="The list of propaganda techniques students choose from.",
    )
    author = forms.CharField(
        label="Who wrote the text", max_length=_length("author"), required=False
    )
    date = forms.DateField(
        label="When it appeared (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    place = forms.CharField(label="Where (optional)", max_length=_length("place"), required=False)
    audience = forms.CharField(
        label="For whom it was written", max_length=_length("audience"), required=False
    )
    source = forms.CharField(
        label="Where it was published (optional)", max_length=_length("source"), required=False
    )
    language = forms.CharField(
        label="Language of the text",
        max_length=_length("language"),
        initial="en",
        help_text="A language code, such as en, de or fr.",
    )
    level = forms.CharField(
        label="Level (optional)",
        max_length=_length("level"),
        required=False,
        help_text="For example: Ages 14-18.",
    )
    provenance = TextField(
        label="Provenance",
        max_length=5000,
        required=False,
        help_text="Where the text comes from and how it is presented, for students.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    introduction = TextField(
        label="Introduction",
        max_length=MAX_INTRODUCTION,
        required=False,
        help_text="Shown to students before the text, in Markdown: *italics*, **bold**, "
        "[a link](https://example.org), a blank line between paragraphs.",
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, slug_lock: str = "", taxonomy_lock: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name, lock in (("slug", slug_lock), ("taxonomy", taxonomy_lock)):
            if lock:
                field = self.fields[name]
                field.disabled = True
                field.help_text = f"{field.help_text} It cannot change now: {lock}"

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if slug and not SLUG_RE.match(slug):
            suggestion = clean_slug(slug)
            hint = f" For example: {suggestion}" if suggestion else ""
            raise forms.ValidationError(f"Use only a-z, 0-9 and single hyphens between them.{hint}")
        return slug

    def clean_language(self) -> str:
        return self.cleaned_data["language"].strip()

    def details(self) -> dict:
        """The cleaned values that `authoring.lesson_update_details` takes as details."""
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in ("slug", "taxonomy", "text", "markup")
        }


class LessonNewForm(LessonDetailsForm):
    """A new lesson: its text, pasted, and its details."""

    MARKDOWN, PLAIN = "markdown", "plain"

    text = TextField(
        label="The text",
        max_length=MAX_PASTED_TEXT,
        help_text="Paste the whole text. Each paragraph (paragraphs are separated by a blank "
        "line) becomes a passage that students read on its own page; a paragraph of fewer "
        "than 60 characters, such as a heading or a dateline, joins the one after it. You "
        "can split, join and reorder the passages afterwards.",
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    markup = forms.ChoiceField(
        label="The text is written in",
        choices=[
            (PLAIN, "Plain text: shown exactly as pasted"),
            (
                MARKDOWN,
                "Markdown: **bold**, *italics*; a heading line # Title starts a passage "
                "and names it",
            ),
        ],
        initial=PLAIN,
        widget=forms.RadioSelect,
    )
    field_order = ["title", "text", "markup"]


class SplitForm(forms.Form):
    paragraph = forms.IntegerField(
        min_value=1, error_messages={"required": "Choose the paragraph to split after."}
    )
    uid = forms.CharField(required=False, max_length=40)


UP_OR_DOWN = "Move a passage up or down."


class MoveForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("up", "up"), ("down", "down")],
        error_messages={"invalid_choice": UP_OR_DOWN, "required": UP_OR_DOWN},
    )
    uid = forms.CharField(required=False, max_length=40)


class PassageForm(forms.Form):
    """The identity of the passage the page showed, to notice a page out of date."""

    uid = forms.CharField(required=False, max_length=40)


class AddPassageForm(forms.Form):
    title = forms.CharField(
        label="Title (optional)",
        max_length=Segment._meta.get_field("title").max_length,
        required=False,
    )
    body = TextField(
        label="Text (optional)",
        max_length=MAX_INTRODUCTION,
        required=False,
        help_text="In Markdown. You can also write it on the passage's page.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Lesson file or zip",
        help_text="A lesson file (.md, see the lesson format) or a .zip of lesson files, "
        f"up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. The lessons are imported as your "
        "drafts: all of them, or none if any file has a problem.",
        widget=forms.FileInput(attrs={"accept": ".md,.zip"}),
    )
