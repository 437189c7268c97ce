from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_cache_table(using: str = "default", **kwargs: Any) -> None:
    """After `migrate`: the database cache's table (the throttles' shared store, unless
    REDIS_URL is set), created if missing, so no deployment step can be forgotten."""
    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Users and classes")

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, sender=self)
