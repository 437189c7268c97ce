"""Import an annotated research-corpus article in the browser: the article's text and its
tab-separated labels become the author's draft, whose answer key is the gold labels
(`library/corpus.py`, also `manage.py import_corpus`). A large article is imported in the
worker, with a progress page (`tasks.import_corpus_article`)."""

from collections.abc import Sequence

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from core import jobs
from core.models import Job
from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals

from .. import services, tasks
from ..access import require_teacher
from ..forms import CorpusImportForm
from .lessons import in_background


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
    article, labels = data["article"], data["labels"]
    if in_background(article.size + labels.size):
        article_bytes, labels_bytes = b"".join(article.chunks()), b"".join(labels.chunks())
        job = jobs.job_start(
            task=tasks.import_corpus_article,
            owner=request.user,
            kind=Job.Kind.CORPUS,
            title=gettext("Importing the corpus article %(file)s") % {"file": article.name},
            params={
                "article_name": article.name,
                "labels_name": labels.name,
                "article_bytes": len(article_bytes),
                "title": data["title"],
                "author": data["author"],
                "audience": data["audience"],
            },
            payload=article_bytes + labels_bytes,
        )
        return redirect("core:job", job.pk)
    lesson = services.corpus_article_import(
        article=data["article"],
        labels=data["labels"],
        by=request.user,
        title=data["title"],
        author=data["author"],
        audience=data["audience"],
    )
    return done(
        request,
        tasks.corpus_draft_made(lesson),
        redirect_to=reverse("authoring:author_lesson", args=[lesson.pk]),
    )
