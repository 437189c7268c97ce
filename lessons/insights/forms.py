"""The teacher's review form: a comment and a score on one answer, one key span, or the whole
work."""

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy

from lessons.library.forms import TextField
from lessons.work.models import MAX_SCORE

REVIEW_COMMENT_MAX_LENGTH = 5000

# Characters that are not text: a null character (PostgreSQL cannot store it), and surrogates,
# which no UTF-8 page or database can hold alone. A browser never sends them; a crafted post
# can (a surrogate through a declared charset such as utf-7).
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
_SHOWN_AS = "\N{REPLACEMENT CHARACTER}"

NULL_MESSAGE = gettext_lazy(
    "The comment contains a null character, which is not text. It is shown as �: "
    "delete it and save again."
)
SURROGATE_MESSAGE = gettext_lazy(
    "The comment contains an unpaired surrogate (half of a character), which is not text. It "
    "is shown as �: delete it and save again."
)


def _score_choice_message() -> str:
    return gettext("Choose a score from 0 to %(max)s, or none.") % {"max": MAX_SCORE}


def _readable(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], dict[str, str]]:
    """The posted data with every character that is not text replaced by U+FFFD (so the form
    can show it back), and, by field name, the message about what was replaced."""
    found: dict[str, str] = {}

    def scrub(name: str, value: Any) -> Any:
        if not isinstance(value, str) or not (bad := _NOT_TEXT.findall(value)):
            return value
        found.setdefault(name, str(NULL_MESSAGE if "\x00" in bad else SURROGATE_MESSAGE))
        return _NOT_TEXT.sub(_SHOWN_AS, value)

    if isinstance(data, MultiValueDict):
        readable = data.copy()
        for name, values in data.lists():
            readable.setlist(name, [scrub(name, value) for value in values])
        return readable, found
    return {name: scrub(name, value) for name, value in data.items()}, found


class ReviewForm(forms.Form):
    """A teacher's comment and score on one answer, one key span, or (neither target given)
    the whole work. The target comes in a hidden field; the view checks it is this lesson's.
    (_review_form.html writes the fields out itself: a class's worth of forms renders fast.)"""

    max_score = MAX_SCORE

    comment = TextField(
        label=gettext_lazy("Comment"),
        max_length=REVIEW_COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    score = forms.TypedChoiceField(
        label=gettext_lazy("Score"),
        choices=[("", "—"), *((str(n), str(n)) for n in range(MAX_SCORE + 1))],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": lazy(_score_choice_message, str)()},
    )
    # The teacher's mark that the review is finished (students see only reviewed reviews): it
    # shows what is stored, so it starts unticked on work nobody has reviewed yet.
    reviewed = forms.BooleanField(label=gettext_lazy("Reviewed"), required=False)
    prompt = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    key_span = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, data: Mapping[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        self.not_text: dict[str, str] = {}
        if data is not None:
            data, self.not_text = _readable(data)
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        for name, message in self.not_text.items():
            if name in self.fields and not self.has_error(name):
                self.add_error(name, message)
        # Hidden fields are filled in by the page: say plainly what went wrong instead.
        damaged = [self.errors.pop(name, None) for name in ("prompt", "key_span", "next")]
        if any(damaged):
            self.add_error(
                None, gettext("This review form is damaged. Reload the page and try again.")
            )
        elif cleaned.get("prompt") and cleaned.get("key_span"):
            self.add_error(None, gettext("Review one answer or one key span at a time."))
        return cleaned
