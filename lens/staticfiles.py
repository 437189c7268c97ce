"""The storages `collectstatic` writes the static files with (STORAGES in settings.py).

WhiteNoise's, which write a gzip and a brotli copy beside each file (and, with
STATIC_MANIFEST=true, hashed names), with one step before: Lens's own stylesheets
(static/css/) lose their comments. The comments say why each rule is there and what contrast
each colour has; a browser needs none of them, and they are a third of the stylesheet's
bytes on a student's first visit (docs/performance.md, "A first visit"). Nothing else
changes: the rules are the same text, in the same order; `runserver` serves the files as
written.
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


def _is_lens_css(name: str) -> bool:
    return name.startswith("css/") and name.endswith(".css")


class _StylesheetsWithoutComments:
    """Rewrites the copies of Lens's stylesheets that collectstatic made, then hands them on
    (as the files to hash, when names are hashed) to WhiteNoise's post-processing."""

    def post_process(self, paths: dict[str, Any], dry_run: bool = False, **options: Any):
        if not dry_run:
            paths = dict(paths)
            for name in [name for name in paths if _is_lens_css(name)]:
                with self.open(name) as copied:  # type: ignore[attr-defined]
                    css = copied.read().decode("utf-8")
                self.delete(name)  # type: ignore[attr-defined]
                self._save(name, ContentFile(without_comments(css).encode()))  # type: ignore[attr-defined]
                paths[name] = (self, name)
        yield from super().post_process(paths, dry_run, **options)  # type: ignore[misc]


class CompressedStaticFilesStorage(
    _StylesheetsWithoutComments, storage.CompressedStaticFilesStorage
):
    pass


class CompressedManifestStaticFilesStorage(
    _StylesheetsWithoutComments, storage.CompressedManifestStaticFilesStorage
):
    pass
