from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "lessons.library"
    label = "library"
    verbose_name = "The lesson library"
