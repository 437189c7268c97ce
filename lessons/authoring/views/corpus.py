"""Import an annotated research-corpus article in the browser: the article's text and its
tab-separated labels become the author's draft, whose answer key is the gold labels
(`library/corpus.py`, also `manage.py import_corpus`)."""

from collections.abc import Sequence

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals
from lessons.library.models import KeySpan

from .. import services
from ..access import require_teacher
from ..forms import CorpusImportForm


def _page(
    request: HtmxHttpRequest,
    form: CorpusImportForm,
    problems: Sequence[str] = (),
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "problems": problems}
    return render(request, "authoring/import_corpus.html", context, status=status)


def _refused(request: HtmxHttpRequest, *, refusal: Refusal) -> HttpResponse:
    if isinstance(refusal, services.ImportProblems):
        problems = refusal.problems
    else:
        problems = [refusal.message]
    return _page(request, CorpusImportForm(request.POST, request.FILES), problems)


@login_required
@refusals(_refused, shows_message=True)
def author_import_corpus(request: AuthenticatedRequest) -> HttpResponse:
    require_teacher(request.user)
    if request.method != "POST":
        return _page(request, CorpusImportForm())
    form = CorpusImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    lesson = services.corpus_article_import(
        article=data["article"],
        labels=data["labels"],
        by=request.user,
        title=data["title"],
        author=data["author"],
        audience=data["audience"],
    )
    count = KeySpan.objects.filter(segment__lesson=lesson).count()
    return done(
        request,
        f"“{lesson.title}” is your draft, with {count} key spans from the labels. "
        "Write an explanation for each before you publish it.",
        redirect_to=reverse("authoring:author_lesson", args=[lesson.pk]),
    )
