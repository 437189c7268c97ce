"""The site's URLs: each domain app's, under its namespace (`core:`, `library:`,
`authoring:`, `work:`, `insights:`, `lms:`), and the admin."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from core.admin import AdminLoginForm
from core.throttle import limit_failed_logins

admin.site.site_header = admin.site.site_title = _("Lens administration")
admin.site.index_title = _("Users, classes, lessons and students' work")
admin.site.login_form = AdminLoginForm  # logs refused logins, as the site's login page does

urlpatterns = [
    path("", include("core.urls")),
    path("", include("lessons.library.urls")),
    path("", include("lessons.authoring.urls")),
    path("", include("lessons.work.urls")),
    path("", include("lessons.insights.urls")),
    path("", include("lessons.lms.urls")),
    # The admin's login page, throttled like the site's (before the admin's own URLs, so it
    # answers for "admin:login" too).
    path("admin/login/", limit_failed_logins(admin.site.login)),
    path("admin/", admin.site.urls),
]
