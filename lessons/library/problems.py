"""What is wrong with a file an author uploads (a lesson file, a zip of them, a corpus
article), in words that are translated where they are shown. Pure Python, no Django: the
file formats are read by management commands and by the worker too, outside any request.

A `Problem` is its English text (a `str`: what management commands print and tests compare)
and keeps what it was made from: an English message with named placeholders, and their
values. `translated(problem, gettext)` gives it in the active language (lessons.authoring
does, where it tells the author). Each message is marked for the catalogue where it is
written, `Problem(gettext_noop("…"), …)`: makemessages finds `gettext_noop` by its name, and
this one, like Django's, returns the message unchanged (without needing Django's settings).
"""

from collections.abc import Callable


def gettext_noop(message: str) -> str:
    """The message, unchanged: marks it for the catalogue (docs/i18n.md)."""
    return message


class Problem(str):
    """The English words of a problem; `message` and `values` make them again in any
    language. A value may be a Problem itself (a reason inside a sentence)."""

    message: str
    values: dict[str, object]

    def __new__(cls, message: str, **values: object) -> "Problem":
        problem = super().__new__(cls, message % values if values else message)
        problem.message = message
        problem.values = values
        return problem


def translated(text: str, gettext: Callable[[str], str]) -> str:
    """A Problem in the language `gettext` speaks; any other text as it is."""
    if not isinstance(text, Problem):
        return text
    message = gettext(text.message)
    if not text.values:
        return message
    return message % {
        name: translated(value, gettext) if isinstance(value, str) else value
        for name, value in text.values.items()
    }
