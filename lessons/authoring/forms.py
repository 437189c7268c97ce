"""Forms of the authoring pages: a lesson's details and text, reshaping its passages,
imports and exports, and the passage editor (its text, prompts and key). What they accept is
what the lesson file can hold, so a lesson written in the browser exports and imports back
exactly (docs/lesson-format.md)."""

import re

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from lessons.library.bundles import MAX_FILES, MAX_UPLOAD_BYTES
from lessons.library.forms import HighlightEditForm, HighlightForm, TextField
from lessons.library.lessonfile import SLUG_RE
from lessons.library.models import Lesson, Prompt, Segment, Taxonomy
from lessons.library.rendering import plain_text, render_markdown
from lessons.library.services import field_max_length

from .services import MAX_INTRODUCTION, MAX_PASTED_TEXT, MAX_PREVIEW, SLUG_LENGTH, clean_slug

MAX_BODY_LENGTH = 20_000
MAX_PROMPT_LENGTH = 1000
MAX_EXPLANATION_LENGTH = 2000
QUOTE_END_RE = re.compile(r'"(?:\s*#\d+)?\s*\|')  # how the file's key line ends a quote
NEEDED_TO_PUBLISH = _("Needed to publish the lesson; a draft may leave it empty.")


def _filled(message: str, **values) -> str:
    """`message` (marked with gettext_noop) translated when it is shown, with its values in:
    for a module-level text that holds a number."""
    return gettext(message) % {
        name: number_format(value, force_grouping=True) if isinstance(value, int) else value
        for name, value in values.items()
    }


_filled_lazy = lazy(_filled, str)


def _length(name: str) -> int:
    return field_max_length(Lesson, name)


class LessonDetailsForm(forms.Form):
    """What students are told about the text, and how the lesson is filed. A draft may
    leave most of it empty; publishing asks for what is missing."""

    title = forms.CharField(label=_("Title of the lesson"), max_length=_length("title"))
    slug = forms.CharField(
        label=_("Address (optional)"),
        max_length=SLUG_LENGTH,
        required=False,
        help_text=_(
            "The lesson's name in its web address and file name: a-z, 0-9 and "
            "hyphens. Left empty, it is made from the title."
        ),
    )
    taxonomy = forms.ModelChoiceField(
        queryset=Taxonomy.objects.all(),
        label=_("Techniques list"),
        empty_label=None,
        help_text=_("The list of propaganda techniques students choose from."),
    )
    author = forms.CharField(
        label=_("Who wrote the text (author)"),
        max_length=_length("author"),
        required=False,
        help_text=format_lazy(
            "{} {}", NEEDED_TO_PUBLISH, _("For example: the editors of a state newspaper.")
        ),
    )
    date = forms.DateField(
        label=_("When it appeared (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    place = forms.CharField(
        label=_("Where (optional)"), max_length=_length("place"), required=False
    )
    audience = forms.CharField(
        label=_("For whom it was written (audience)"),
        max_length=_length("audience"),
        required=False,
        help_text=format_lazy(
            "{} {}",
            NEEDED_TO_PUBLISH,
            _(
                "Students see who a text was meant to persuade. For example: readers abroad "
                "who follow state media."
            ),
        ),
    )
    source = forms.CharField(
        label=_("Where it was published (optional)"),
        max_length=_length("source"),
        required=False,
    )
    language = forms.CharField(
        label=_("Language of the text"),
        max_length=_length("language"),
        initial="en",
        help_text=_("A language code, such as en, de or fr."),
    )
    level = forms.CharField(
        label=_("Level (optional)"),
        max_length=_length("level"),
        required=False,
        help_text=_("For example: Ages 14-18."),
    )
    provenance = TextField(
        label=_("Provenance"),
        max_length=5000,
        required=False,
        help_text=format_lazy(
            "{} {}",
            _("Where the text comes from and how it is presented, for students."),
            NEEDED_TO_PUBLISH,
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    introduction = TextField(
        label=_("Introduction"),
        max_length=MAX_INTRODUCTION,
        required=False,
        help_text=format_lazy(
            "{} {}",
            _(
                "Shown to students before the text, in Markdown: *italics*, **bold**, "
                "[a link](https://example.org), a blank line between paragraphs."
            ),
            NEEDED_TO_PUBLISH,
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, slug_lock: str = "", taxonomy_lock: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name, lock in (("slug", slug_lock), ("taxonomy", taxonomy_lock)):
            if lock:
                field = self.fields[name]
                field.disabled = True
                field.help_text = gettext("%(help)s It cannot change now: %(why)s") % {
                    "help": field.help_text,
                    "why": lock,
                }

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if slug and not SLUG_RE.match(slug):
            suggestion = clean_slug(slug)
            message = gettext("Use only a-z, 0-9 and single hyphens between them.")
            if suggestion:
                message += " " + gettext("For example: %(slug)s") % {"slug": suggestion}
            raise forms.ValidationError(message)
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
        label=_("The text"),
        max_length=MAX_PASTED_TEXT,
        help_text=_(
            "Paste the whole text. It is cut into passages that students read one "
            "page at a time, each of about 80 to 250 words: between paragraphs (paragraphs are "
            "separated by a blank line), or between sentences in a longer paragraph. You can "
            "split, join and reorder the passages afterwards."
        ),
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    markup = forms.ChoiceField(
        label=_("The text is written in"),
        choices=[
            (PLAIN, _("Plain text: shown exactly as pasted")),
            (
                MARKDOWN,
                _(
                    "Markdown: **bold**, *italics*; a heading line # Title starts a passage "
                    "and names it"
                ),
            ),
        ],
        initial=PLAIN,
        widget=forms.RadioSelect,
    )
    field_order = ["title", "text", "markup"]


class SplitForm(forms.Form):
    paragraph = forms.IntegerField(
        min_value=1, error_messages={"required": _("Choose the paragraph to split after.")}
    )
    uid = forms.CharField(required=False, max_length=40)


UP_OR_DOWN = _("Move a passage up or down.")


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
        label=_("Title (optional)"),
        max_length=Segment._meta.get_field("title").max_length,
        required=False,
    )
    body = TextField(
        label=_("Text (optional)"),
        max_length=MAX_INTRODUCTION,
        required=False,
        help_text=_("In Markdown. You can also write it on the passage's page."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PreviewForm(forms.Form):
    """Markdown to preview. A live preview posts a field of its own form as it is named
    there, so the field's name is given (`name`)."""

    def __init__(self, data, *, name: str = "markdown"):
        super().__init__(data)
        self.name = name
        self.fields[name] = forms.CharField(required=False, strip=False)

    def clean(self):
        source = self.cleaned_data.get(self.name, "")
        if len(source) > MAX_PREVIEW:
            raise forms.ValidationError(
                _filled(
                    gettext_noop(
                        "This text is too long to preview: %(length)s characters, at most "
                        "%(limit)s."
                    ),
                    length=len(source),
                    limit=MAX_PREVIEW,
                )
            )
        return self.cleaned_data

    def preview(self) -> tuple[str, str]:
        """(html, error): the sanitised rendering, or why there is none."""
        if not self.is_valid():
            errors = self.non_field_errors() or self.errors.get(self.name) or ()
            return "", " ".join(map(str, errors))
        return render_markdown(self.cleaned_data[self.name]), ""


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Lesson file or zip"),
        help_text=_filled_lazy(
            gettext_noop(
                "A lesson file (.md, see the lesson format) or a .zip of lesson files, up to "
                "%(size)s MB. The lessons are imported as your drafts: all of them, or none if "
                "any file has a problem."
            ),
            size=MAX_UPLOAD_BYTES // (1024 * 1024),
        ),
        widget=forms.FileInput(attrs={"accept": ".md,.zip"}),
    )


class CorpusImportForm(forms.Form):
    article = forms.FileField(
        label=_("Article text"),
        help_text=_(
            "The article as a UTF-8 text file, e.g. article111111111.txt: its first "
            "line is the title, each paragraph becomes a passage."
        ),
        widget=forms.FileInput(attrs={"accept": ".txt"}),
    )
    labels = forms.FileField(
        label=_("Labels file"),
        help_text=_(
            "Tab-separated lines: article id, technique, start, end (offsets in "
            "characters, as in the SemEval-2020 corpus)."
        ),
        widget=forms.FileInput(attrs={"accept": ".labels,.tsv,.txt"}),
    )
    title = forms.CharField(
        label=_("Title of the lesson (optional)"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the article's first line."),
    )
    author = forms.CharField(label=_("Who wrote the article (optional)"), required=False)
    audience = forms.CharField(label=_("For whom it was written (optional)"), required=False)


class IdsField(forms.Field):
    """Ids sent back in hidden inputs, one per value."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> set[int]:
        try:
            return {int(v) for v in value or []}
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(
                _("This form is damaged. Reload the page."), code="invalid"
            ) from error


class ExportForm(forms.Form):
    """The lessons chosen on My lessons, to download as a zip."""

    lesson = IdsField(required=False)

    def clean_lesson(self) -> set[int]:
        ids = self.cleaned_data["lesson"]
        if not ids:
            raise forms.ValidationError(_("Choose at least one lesson to export."))
        if len(ids) > MAX_FILES:
            raise forms.ValidationError(
                _filled(gettext_noop("Export at most %(count)s lessons at once."), count=MAX_FILES)
            )
        return ids


# The passage editor ----------------------------------------------------------------------


def one_line(value: str) -> str:
    """A value the lesson file keeps on one line: line breaks and runs of spaces become one
    space, as the file's continuation lines would read back."""
    return " ".join(value.split())


class SegmentForm(forms.Form):
    title = forms.CharField(
        label=_("Title (optional)"),
        max_length=Segment._meta.get_field("title").max_length,
        required=False,
        help_text=_("Shown to students above the passage."),
    )
    markdown = TextField(
        label=_("Text (Markdown)"),
        max_length=MAX_BODY_LENGTH,
        error_messages={
            "required": _("The passage needs some text."),
            "max_length": _filled_lazy(
                gettext_noop(
                    "The text is longer than %(limit)s characters. Split it into two passages."
                ),
                limit=MAX_BODY_LENGTH,
            ),
        },
        help_text=_("Keep the source word for word. *italics*, **bold** and links are allowed."),
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
                _(
                    "A line may not start with ## or ### (they separate the parts of a lesson "
                    "file): use #### for a heading, or split the passage."
                )
            )
        if not plain_text(render_markdown(body)).strip():
            raise forms.ValidationError(
                _("The passage shows no text: write the words students read.")
            )
        return body


class PromptForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Prompt.Kind.choices)
    text = TextField(
        label=_("Prompt"),
        max_length=MAX_PROMPT_LENGTH,
        error_messages={"required": _("Write the prompt.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_text(self) -> str:
        return one_line(self.cleaned_data["text"])


class _Explanation(TextField):
    def to_python(self, value):
        return one_line(super().to_python(value) or "")


def _explanation_field() -> forms.Field:
    return _Explanation(
        label=_("Explanation for students"),
        max_length=MAX_EXPLANATION_LENGTH,
        help_text=_(
            "Why these words use the technique, in a sentence. Students read it with "
            "their feedback."
        ),
        error_messages={"required": _("Write why these words use the technique.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _check_explanation(value: str) -> str:
    # In the file a key line is TECHNIQUE | "quote" | explanation: a double quote followed by
    # | in the explanation would read back as the end of the quote.
    if QUOTE_END_RE.search(value):
        raise forms.ValidationError(
            _("An explanation may not have a double quote followed by |. Reword it.")
        )
    return value


class KeySpanEditForm(HighlightEditForm):
    """The technique and explanation of a key span (its words change by removing and adding)."""

    # Django's documented way to drop an inherited form field, which the stubs cannot express.
    note = None  # type: ignore[assignment]
    explanation = _explanation_field()

    def clean_explanation(self) -> str:
        return _check_explanation(self.cleaned_data["explanation"])


class KeySpanForm(HighlightForm):
    """A new key span: words selected in the text (offsets from highlight.js) or typed, as
    on the student's page."""

    # Django's documented way to drop an inherited form field, which the stubs cannot express.
    note = None  # type: ignore[assignment]
    explanation = _explanation_field()
    field_order = ["quote", "start", "end", "occurrence", "technique", "explanation"]

    def clean_explanation(self) -> str:
        return _check_explanation(self.cleaned_data["explanation"])


class PromptMoveForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("up", "up"), ("down", "down")],
        error_messages={
            "invalid_choice": _("Move a prompt up or down."),
            "required": _("Move a prompt up or down."),
        },
    )
