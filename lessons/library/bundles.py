"""Lesson files in and out: one `.md` file, or a `.zip` of several. Pure Python, no Django.

Reading is careful with what strangers upload: sizes are checked before anything is
decompressed (a small zip can claim to hold gigabytes), every file must be UTF-8, and every
problem is reported with its file (and line, where there is one) so that the author can fix
them all at once. Writing is deterministic: the same lessons give the same bytes. Problems
are English, each a `problems.Problem` that the author's pages translate.
"""

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from .problems import Problem, gettext_noop

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # one upload, a lesson file or a zip
MAX_FILE_BYTES = 2 * 1024 * 1024  # one lesson file, uncompressed
MAX_TOTAL_BYTES = 20 * 1024 * 1024  # all the files of a zip, uncompressed
MAX_FILES = 200
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no clock in the output


@dataclass(frozen=True)
class LessonFile:
    name: str
    text: str


class BundleError(ValueError):
    """Problems with an upload, as (file, line, message); line 0 is the whole file.
    `files` holds the lesson files that could be read, so they can be checked too."""

    def __init__(
        self, problems: list[tuple[str, int, str]], files: Iterable[LessonFile] = ()
    ) -> None:
        self.problems = problems
        self.files = list(files)
        super().__init__("\n".join(describe(*p) for p in problems))


def describe(name: str, line: int, message: str) -> str:
    """`FILE:LINE: message`, or `FILE: message` for the whole file."""
    return f"{name}:{line}: {message}" if line else f"{name}: {message}"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def decode(name: str, data: bytes) -> str:
    """The text of a lesson file: UTF-8 (a byte-order mark is allowed), else BundleError
    naming the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BundleError(
            [
                (
                    name,
                    line,
                    Problem(
                        gettext_noop(
                            "this is not UTF-8 text; save the file as UTF-8 and upload it again"
                        )
                    ),
                )
            ]
        ) from error


def _ignored(path: str) -> bool:
    """Folders and the clutter archivers add (__MACOSX/, .DS_Store, ...)."""
    parts = PurePosixPath(path).parts
    return path.endswith("/") or not parts or parts[0] == "__MACOSX" or parts[-1].startswith(".")


def read_zip(name: str, data: bytes) -> list[LessonFile]:
    """The lesson files (`*.md`) of a zip, in the zip's order."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise BundleError(
            [(name, 0, Problem(gettext_noop("this is not a zip file that can be read")))]
        ) from error
    with archive:
        members = [info for info in archive.infolist() if not _ignored(info.filename)]
        if len(members) > MAX_FILES:
            raise BundleError(
                [
                    (
                        name,
                        0,
                        Problem(
                            gettext_noop(
                                "the zip holds %(count)s files; at most %(limit)s at once"
                            ),
                            count=len(members),
                            limit=MAX_FILES,
                        ),
                    )
                ]
            )
        total = sum(info.file_size for info in members)
        if total > MAX_TOTAL_BYTES:
            raise BundleError(
                [
                    (
                        name,
                        0,
                        Problem(
                            gettext_noop(
                                "the files in the zip add up to %(size)s uncompressed; "
                                "at most %(limit)s"
                            ),
                            size=_megabytes(total),
                            limit=_megabytes(MAX_TOTAL_BYTES),
                        ),
                    )
                ]
            )
        problems: list[tuple[str, int, str]] = []
        files: list[LessonFile] = []
        for info in members:
            member = f"{name}/{info.filename}"
            if not info.filename.lower().endswith(".md"):
                problems.append(
                    (member, 0, Problem(gettext_noop("not a lesson file: lesson files end in .md")))
                )
            elif info.file_size > MAX_FILE_BYTES:
                problems.append(
                    (
                        member,
                        0,
                        Problem(
                            gettext_noop(
                                "%(size)s is too large for a lesson file; at most %(limit)s"
                            ),
                            size=_megabytes(info.file_size),
                            limit=_megabytes(MAX_FILE_BYTES),
                        ),
                    )
                )
            elif info.flag_bits & 0x1:
                problems.append((member, 0, Problem(gettext_noop("the file is encrypted"))))
            else:
                try:
                    with archive.open(info) as handle:
                        raw = handle.read(MAX_FILE_BYTES + 1)
                except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError):
                    problems.append(
                        (member, 0, Problem(gettext_noop("the file is damaged and cannot be read")))
                    )
                    continue
                if len(raw) > MAX_FILE_BYTES:
                    problems.append(
                        (member, 0, Problem(gettext_noop("the file is larger than the zip says")))
                    )
                    continue
                try:
                    files.append(LessonFile(member, decode(member, raw)))
                except BundleError as error:
                    problems += error.problems
        if not files and not problems:
            problems.append((name, 0, Problem(gettext_noop("the zip holds no lesson file (.md)"))))
        if problems:
            raise BundleError(problems, files)
        return files


def check_upload_size(name: str, size: int) -> None:
    """Refuse an upload too large to read (before reading it)."""
    if size > MAX_UPLOAD_BYTES:
        raise BundleError(
            [
                (
                    name,
                    0,
                    Problem(
                        gettext_noop(
                            "the upload is larger than %(limit)s, the most one upload may be"
                        ),
                        limit=_megabytes(MAX_UPLOAD_BYTES),
                    ),
                )
            ]
        )


def read_upload(name: str, data: bytes) -> list[LessonFile]:
    """The lesson files in an upload: a lesson file (.md) or a zip of them."""
    check_upload_size(name, len(data))
    if name.lower().endswith(".zip") or data.startswith(b"PK\x03\x04"):
        return read_zip(name, data)
    if not name.lower().endswith(".md"):
        raise BundleError(
            [
                (
                    name,
                    0,
                    Problem(gettext_noop("upload a lesson file (.md) or a zip of lesson files")),
                )
            ]
        )

    return [LessonFile(name, decode(name, data))]


def write_zip(files: list[LessonFile]) -> bytes:
    """A zip of lesson files, UTF-8, always the same bytes for the same files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            info = zipfile.ZipInfo(file.name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, file.text.encode("utf-8"))
    return buffer.getvalue()


def file_names(slugs: list[str]) -> list[str]:
    """`<slug>.md` for each lesson; a slug that comes again (two revisions) gets -2, -3."""
    used: set[str] = set()
    names = []
    for slug in slugs:
        name, n = f"{slug}.md", 1
        while name in used:
            n += 1
            name = f"{slug}-{n}.md"
        used.add(name)
        names.append(name)
    return names
