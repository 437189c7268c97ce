"""Lesson files in and out as zips (lessons/bundles.py), and the round trip through the
authoring views: export, import, export again gives the same bytes."""

import io
import zipfile

import pytest
from django.urls import reverse

from lessons.library import bundles
from lessons.library.models import Lesson

from . import factories


def _zip(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _problems(call) -> list[str]:
    with pytest.raises(bundles.BundleError) as caught:
        call()
    return [bundles.describe(*p) for p in caught.value.problems]


def test_a_lesson_file_is_read_as_utf8_text():
    text = "---\ntitle: Café 😀\n"
    assert bundles.read_upload("a.md", text.encode()) == [bundles.LessonFile("a.md", text)]
    with_bom = "\ufeff" + text
    assert bundles.read_upload("a.md", with_bom.encode())[0].text == with_bom


def test_text_that_is_not_utf8_is_refused_with_its_line():
    data = "line one\nline two\ncaf\u00e9\n".encode("cp1252")
    assert _problems(lambda: bundles.read_upload("old.md", data)) == [
        "old.md:3: this is not UTF-8 text; save the file as UTF-8 and upload it again"
    ]


def test_a_zip_gives_its_lesson_files_in_order_and_skips_clutter():
    data = _zip(
        {
            "lessons/": b"",
            "lessons/b.md": b"B",
            "a.md": b"A",
            "__MACOSX/lessons/._b.md": b"\x00\xff",
            "lessons/.DS_Store": b"\x00",
        }
    )
    assert bundles.read_upload("set.zip", data) == [
        bundles.LessonFile("set.zip/lessons/b.md", "B"),
        bundles.LessonFile("set.zip/a.md", "A"),
    ]


def test_every_problem_in_a_zip_is_named_with_its_file():
    data = _zip({"good.md": b"fine", "bad.md": b"\xff\xfe", "notes.pdf": b"%PDF"})
    with pytest.raises(bundles.BundleError) as caught:
        bundles.read_upload("set.zip", data)
    assert [bundles.describe(*p) for p in caught.value.problems] == [
        "set.zip/bad.md:1: this is not UTF-8 text; save the file as UTF-8 and upload it again",
        "set.zip/notes.pdf: not a lesson file: lesson files end in .md",
    ]
    assert caught.value.files == [bundles.LessonFile("set.zip/good.md", "fine")]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("x.zip", b"PK\x03\x04 but not really", "x.zip: this is not a zip file that can be read"),
        ("x.zip", _zip({}), "x.zip: the zip holds no lesson file (.md)"),
        ("x.docx", b"hello", "x.docx: upload a lesson file (.md) or a zip of lesson files"),
        ("x.md", b"x" * (bundles.MAX_UPLOAD_BYTES + 1), "x.md: the upload is larger than 2 MB"),
        (
            "x.zip",
            _zip({f"{n}.md": b"" for n in range(bundles.MAX_FILES + 1)}),
            "x.zip: the zip holds 201 files; at most 200 at once",
        ),
    ],
)
def test_bad_uploads_are_refused_with_a_message(name, data, message):
    problems = _problems(lambda: bundles.read_upload(name, data))
    assert len(problems) == 1
    assert problems[0].startswith(message)


def test_sizes_are_checked_before_anything_is_unpacked():
    bomb = _zip({f"{n}.md": b"\0" * (8 * 1024 * 1024) for n in range(3)})
    assert len(bomb) < 100_000
    assert _problems(lambda: bundles.read_upload("bomb.zip", bomb)) == [
        "bomb.zip: the files in the zip add up to 24 MB uncompressed; at most 20 MB"
    ]
    one_big = _zip({"big.md": b" " * (bundles.MAX_FILE_BYTES + 1)})
    assert _problems(lambda: bundles.read_upload("one.zip", one_big)) == [
        "one.zip/big.md: 2 MB is too large for a lesson file; at most 2 MB"
    ]


def test_a_zip_that_lies_about_its_sizes_is_refused():
    data = bytearray(_zip({"a.md": b"a" * 5000}))
    # Shrink the sizes the zip declares for the file (local header and central directory).
    small = (10).to_bytes(4, "little")
    real = (5000).to_bytes(4, "little")
    data = bytes(data).replace(real, small)
    problems = _problems(lambda: bundles.read_upload("liar.zip", data))
    assert problems == ["liar.zip/a.md: the file is damaged and cannot be read"]


def test_writing_a_zip_gives_the_same_bytes_each_time():
    files = [bundles.LessonFile("b.md", "Bé\n"), bundles.LessonFile("a.md", "A\n")]
    first = bundles.write_zip(files)
    assert bundles.write_zip(files) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["b.md", "a.md"]
        assert archive.read("b.md").decode() == "Bé\n"
        assert archive.getinfo("a.md").date_time == (1980, 1, 1, 0, 0, 0)
    assert bundles.read_upload("x.zip", first) == [
        bundles.LessonFile("x.zip/b.md", "Bé\n"),
        bundles.LessonFile("x.zip/a.md", "A\n"),
    ]


def test_file_names_are_unique():
    assert bundles.file_names(["a", "b", "a", "a-2", "a"]) == [
        "a.md", "b.md", "a-2.md", "a-2-2.md", "a-3.md",
    ]  # fmt: skip


# The round trip through the views ---------------------------------------------------------


def _files(zip_bytes: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_zip_of_lessons_goes_out_and_back_in_unchanged(client, db):
    seed = factories.seed_lesson()
    small = factories.make_lesson()
    teacher = factories.make_teacher()
    client.force_login(teacher)
    url = reverse("authoring:author_export_zip")
    exported = client.get(url, {"lesson": [seed.pk, small.pk]}).content
    assert sorted(_files(exported)) == sorted([f"{seed.slug}.md", f"{small.slug}.md"])
    # Into a fresh database: the lessons are gone, then come back from the zip.
    Lesson.objects.filter(pk__in=[seed.pk, small.pk]).delete()

    upload = io.BytesIO(exported)
    upload.name = "lessons.zip"
    response = client.post(reverse("authoring:author_import"), {"file": upload})

    assert response.status_code == 302
    imported = Lesson.objects.filter(created_by=teacher).order_by("slug")
    assert [x.slug for x in imported] == sorted([seed.slug, small.slug])
    assert not any(x.is_published for x in imported)
    again = client.get(url, {"lesson": [x.pk for x in imported]}).content
    assert _files(again) == _files(exported)
    assert again == exported
    assert _files(exported)[f"{seed.slug}.md"] == factories.SEED_LESSON.read_bytes()


def test_a_single_lesson_file_goes_out_and_back_in_unchanged(client, db):
    teacher = factories.make_teacher()
    client.force_login(teacher)
    lesson = factories.make_lesson()
    exported = client.get(reverse("authoring:author_export", args=[lesson.pk])).content
    lesson.delete()

    upload = io.BytesIO(exported)
    upload.name = "whatever.md"
    client.post(reverse("authoring:author_import"), {"file": upload})

    imported = Lesson.objects.get(created_by=teacher)
    assert client.get(reverse("authoring:author_export", args=[imported.pk])).content == exported
