"""Import an annotated research-corpus article in the browser: the article's text and its
tab-separated labels become the author's draft, whose answer key is the gold labels
(`lessons/corpus.py`, also `manage.py import_corpus`)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lessons.library.bundles import MAX_UPLOAD_BYTES
from lessons.library.corpus import (
    ARTICLE,
    LABELS,
    TAXONOMY,
    CorpusFormatError,
    article_id_from_name,
    article_to_lesson,
)
from lessons.library.lessonfile import LessonFormatError
from lessons.library.models import KeySpan, Technique
from lessons.library.services import lesson_import

from ..services import unique_slug


class CorpusImportForm(forms.Form):
    article = forms.FileField(
        label="Article text",
        help_text="The article as a UTF-8 text file, e.g. article111111111.txt: its first "
        "line is the title, each paragraph becomes a passage.",
        widget=forms.FileInput(attrs={"accept": ".txt"}),
    )
    labels = forms.FileField(
        label="Labels file",
        help_text="Tab-separated lines: article id, technique, start, end (offsets in "
        "characters, as in the SemEval-2020 corpus).",
        widget=forms.FileInput(attrs={"accept": ".labels,.tsv,.txt"}),
    )
    title = forms.CharField(
        label="Title of the lesson (optional)",
        required=False,
        max_length=200,
        help_text="Leave empty to use the article's first line.",
    )
    author = forms.CharField(label="Who wrote the article (optional)", required=False)
    audience = forms.CharField(label="For whom it was written (optional)", required=False)


def _read(upload) -> str:
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValueError(f"{upload.name}: the file is larger than 2 MB.")
    try:
        return upload.read().decode("utf-8")  # exactly: offsets count every code point
    except UnicodeDecodeError as error:
        raise ValueError(f"{upload.name}: the file is not UTF-8 text.") from error


@login_required
def author_import_corpus(request: HttpRequest) -> HttpResponse:
    if not request.user.is_teacher:
        raise Http404
    if request.method != "POST":
        return render(request, "authoring/import_corpus.html", {"form": CorpusImportForm()})
    form = CorpusImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        article, labels = form.cleaned_data["article"], form.cleaned_data["labels"]
        names = {ARTICLE: article.name, LABELS: labels.name}
        try:
            texts = {ARTICLE: _read(article), LABELS: _read(labels)}
        except ValueError as error:
            problems = [str(error)]
        else:
            article_id = article_id_from_name(article.name)
            title = form.cleaned_data["title"].strip()
            first_line = texts[ARTICLE].strip().split("\n", 1)[0]
            slug = unique_slug(title or first_line or f"article-{article_id or 'import'}")
            techniques = set(
                Technique.objects.filter(taxonomy__slug=TAXONOMY).values_list("code", flat=True)
            )
            try:
                data = article_to_lesson(
                    texts[ARTICLE],
                    texts[LABELS],
                    slug=slug,
                    techniques=techniques,
                    article_id=article_id,
                    title=title or None,
                    author=form.cleaned_data["author"].strip(),
                    audience=form.cleaned_data["audience"].strip(),
                )
                lesson = lesson_import(data=data, created_by=request.user, is_published=False)
            except CorpusFormatError as error:
                problems = [
                    f"{names[where]}:{line}: {message}" if where else message
                    for where, line, message in error.problems
                ]
            except LessonFormatError as error:
                problems = [
                    f"{names[LABELS]}:{line}: {message}" if line else message
                    for line, message in error.errors
                ]
            else:
                count = KeySpan.objects.filter(segment__lesson=lesson).count()
                messages.success(
                    request,
                    f"“{lesson.title}” is your draft, with {count} key spans from the labels. "
                    "Write an explanation for each before you publish it.",
                )
                return redirect("authoring:author_lesson", lesson.pk)
    return render(
        request,
        "authoring/import_corpus.html",
        {"form": form, "problems": problems},
        status=400,
    )
