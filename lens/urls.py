"""The site's URLs: each domain app's, under its namespace (`core:`, `library:`,
`authoring:`, `work:`, `insights:`), and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("lessons.library.urls")),
    path("", include("lessons.authoring.urls")),
    path("", include("lessons.work.urls")),
    path("", include("lessons.insights.urls")),
    path("admin/", admin.site.urls),
]
