"""The URLs of bench/save.py: Lens's own, and two views that exist only in the benchmark, to
measure the highlight save against.

- `bench/bare/`: a bare view, which answers "ok" and reads nothing.
- `bench/write/`: a minimal authenticated write: the session, the user, one INSERT of a
  highlight row (the same table the save writes, with the ids posted, no checks) and a tiny
  answer.

Both go through Lens's whole middleware stack, as the save does (sessions, CSRF, the
content security policy, compression).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from lens.urls import urlpatterns as lens_urlpatterns
from lessons.work.models import Highlight


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_required
@require_POST
def write(request: HttpRequest) -> HttpResponse:
    data = request.POST
    start = int(data["start"])
    Highlight.objects.create(
        submission_id=int(data["submission"]),
        segment_id=int(data["segment"]),
        technique_id=int(data["technique"]),
        start=start,
        end=start + 1,
        quote="x",
    )
    return HttpResponse("saved", content_type="text/plain", status=201)


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/write/", write),
    *lens_urlpatterns,
]
