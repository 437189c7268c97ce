import re

from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from .anchoring import AmbiguousQuote, Anchor, AnchorError, locate
from .models import Taxonomy, Technique


class TextField(forms.CharField):
    """Text from a <textarea>: line breaks count as one character, as the browser counts
    them for maxlength (a form post sends each as CR LF). A NUL character or half of a
    surrogate pair (no keyboard types them, no database stores them) is refused, and shown
    back as � so the rest of what was typed is not lost."""

    UNSTORABLE = "[\x00\ud800-\udfff]"
    default_validators = [RegexValidator(UNSTORABLE, inverse_match=True, code="unstorable")]
    default_error_messages = {
        "unstorable": _(
            "This text has a character that cannot be saved (a null character or "
            "half of an emoji, shown as �). Remove it and try again."
        )
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Django's own check for NUL says the same, less plainly.
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value

    def prepare_value(self, value):
        return re.sub(self.UNSTORABLE, "\ufffd", value) if isinstance(value, str) else value


class TechniqueChoiceField(forms.ModelChoiceField):
    # The technique posted, when the view has read it already (with the lesson, in the same
    # query, from the lesson's techniques): then choosing it asks the database nothing more.
    chosen: Technique | None = None

    def label_from_instance(self, obj: Technique) -> str:
        return obj.display_name

    def to_python(self, value):
        if self.chosen is not None and str(value) == str(self.chosen.pk):
            return self.chosen
        return super().to_python(value)


def technique_choices(techniques) -> list:
    """Choices grouped by category where the taxonomy has categories (SemEval-2023)."""
    groups: dict[str, list] = {}
    for technique in techniques:
        groups.setdefault(technique.display_category, []).append(
            (technique.pk, technique.display_name)
        )
    if list(groups) == [""]:
        return [("", _("Choose a technique…")), *groups[""]]
    return [("", _("Choose a technique…")), *groups.items()]


class HighlightEditForm(forms.Form):
    technique = TechniqueChoiceField(queryset=Technique.objects.none(), label=_("Technique"))
    note = TextField(
        label=_("Why? (optional)"),
        max_length=settings.MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, techniques, choices=None, chosen=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["technique"]
        assert isinstance(field, TechniqueChoiceField)
        field.queryset = techniques
        field.chosen = chosen  # one of `techniques`, read already (TechniqueChoiceField)
        field.choices = choices if choices is not None else technique_choices(techniques)
        field.error_messages["invalid_choice"] = _("Choose a technique from this lesson's list.")


# What `anchoring` says when words cannot be placed (English, as it raises them), for the
# catalogue; `anchor_in` translates them. tests/test_i18n.py checks the list is complete.
ANCHOR_MESSAGES = (
    gettext_noop("Both ends of the selection are needed."),
    gettext_noop("That selection is outside this passage."),
    gettext_noop("Select some words, not only spaces or punctuation."),
    gettext_noop("The selected words do not match the passage. Reload the page and try again."),
    gettext_noop("Type or select the words you want to highlight."),
    gettext_noop("“%(quote)s” is not in this passage. Check the spelling."),
    gettext_noop("That occurrence of the words does not exist."),
    gettext_noop("These words appear %(count)s times in this passage. Choose which one you mean."),
)


def _anchor_message(error: AnchorError) -> str:
    message = gettext(error.message)
    return message % error.values if error.values else message


class HighlightForm(HighlightEditForm):
    """Words to highlight: selected in the text (offsets filled in by highlight.js) or typed."""

    quote = TextField(
        label=_("Words"),
        max_length=settings.MAX_QUOTE_LENGTH,
        required=False,
        help_text=_("Select words in the text, or type or paste them here."),
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
            self.add_error("quote", _anchor_message(error))
        except AnchorError as error:
            self.add_error("quote", _anchor_message(error))
        return None

    def clean(self):
        # The hidden fields are filled in by the page, so their errors are not the
        # student's to fix field by field: say plainly what to do instead.
        if any(name in self.errors for name in ("start", "end", "occurrence")):
            for name in ("start", "end", "occurrence"):
                self.errors.pop(name, None)
            self.add_error(
                None,
                _("The selected words could not be read. Select them again, or type them."),
            )
        return super().clean()


class LibraryFilterForm(forms.Form):
    """The lesson library's search and filters: a plain GET form."""

    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        help_text=_("Words from the title, author, place or source."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    taxonomy = forms.ModelChoiceField(
        queryset=Taxonomy.objects.all(),
        label=_("Techniques list"),
        required=False,
        to_field_name="slug",
        empty_label=_("Any"),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    author = forms.CharField(label=_("Author"), max_length=200, required=False)
    mine = forms.BooleanField(label=_("My lessons only"), required=False)

    def __init__(self, *args, lessons, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("language", "level"):
            values = (
                lessons.exclude(**{name: ""}).order_by(name).values_list(name, flat=True).distinct()
            )
            self.fields[name].choices = [("", _("Any")), *((v, v) for v in values)]

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


class PublishForm(forms.Form):
    """The lesson page's Publish or Unpublish button."""

    published = forms.TypedChoiceField(
        choices=[("1", _("Publish")), ("0", _("Unpublish"))],
        coerce=lambda value: value == "1",
    )
