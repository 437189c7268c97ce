from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..models import Taxonomy


def taxonomy(request: HttpRequest, slug: str) -> HttpResponse:
    """The techniques of one taxonomy, with definitions and examples (public)."""
    taxonomy = get_object_or_404(Taxonomy, slug=slug)
    return render(
        request,
        "lessons/taxonomy.html",
        {"taxonomy": taxonomy, "techniques": taxonomy.techniques.all()},
    )


def taxonomies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "lessons/taxonomies.html",
        {"taxonomies": Taxonomy.objects.prefetch_related("techniques")},
    )
