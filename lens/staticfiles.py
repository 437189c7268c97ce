"""The storages `collectstatic` writes the static files with (STORAGES in settings.py).

WhiteNoise's, which write a gzip and a brotli copy beside each file (and, with
STATIC_MANIFEST=true, hashed names), with one step before: Lens's own stylesheets
(static/css/) lose their comments, and its scripts (static/js/) the lines that are only a
comment. The comments say why each rule and step is there and what contrast each colour has;
a browser needs none of them, and they were a third of the stylesheet's bytes and a fifth of
the script's on a student's first visit (docs/performance.md, "A first visit"). Nothing else
changes: the rules and the code are the same text, in the same order; `runserver` serves
the files as written.
"""

import re
from typing import Any

from django.core.files.base import ContentFile
from whitenoise import storage

# A comment, or a string (kept whole, so that "/*" inside quotes is not taken for a comment).
_COMMENT_OR_STRING = re.compile(r"""/\*.*?\*/|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""", re.S)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")


def without_comments(css: str) -> str:
    """The stylesheet without its comments and the blank lines they leave."""
    text = _COMMENT_OR_STRING.sub(lambda m: "" if m.group().startswith("/*") else m.group(), css)
    return _BLANK_LINES.sub("\n", text).strip() + "\n"


# A line that is only a comment, in Lens's scripts. Only whole lines: a "//" after code may be
# inside a string or a regular expression, and a script with a template literal (which may
# span lines) is left as it is.
_COMMENT_LINE = re.compile(r"^[ \t]*//.*\n", re.M)


def without_comment_lines(js: str) -> str:
    """The script without the lines that are only a comment (unchanged if it has a template
    literal, whose lines a comment's could be)."""
    code = _COMMENT_LINE.sub("", js)
    return js if "`" in code else code


def _stripped(name: str, text: str) -> str | None:
    """Lens's own stylesheet or script without its comments; None for any other file."""
    if name.startswith("css/") and name.endswith(".css"):
        return without_comments(text)
    if name.startswith("js/") and name.endswith(".js"):
        return without_comment_lines(text)
    return None


class _WithoutComments:
    """Rewrites the copies of Lens's stylesheets that collectstatic made, then hands them on
    (as the files to hash, when names are hashed) to WhiteNoise's post-processing."""

    def post_process(self, paths: dict[str, Any], dry_run: bool = False, **options: Any):
        if not dry_run:
            paths = dict(paths)
            for name in list(paths):
                if _stripped(name, "") is None:
                    continue
                with self.open(name) as copied:  # type: ignore[attr-defined]
                    text = copied.read().decode("utf-8")
                self.delete(name)  # type: ignore[attr-defined]
                self._save(name, ContentFile(str(_stripped(name, text)).encode()))  # type: ignore[attr-defined]
                paths[name] = (self, name)
        yield from super().post_process(paths, dry_run, **options)  # type: ignore[misc]


class CompressedStaticFilesStorage(_WithoutComments, storage.CompressedStaticFilesStorage):
    pass


class CompressedManifestStaticFilesStorage(
    _WithoutComments, storage.CompressedManifestStaticFilesStorage
):
    pass
