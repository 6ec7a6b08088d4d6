from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "phocap.core"
    label = "core"
    verbose_name = "Lõi"

    def ready(self) -> None:
        from phocap.core import lookups  # noqa: F401 - registers `__any` on every field
        from phocap.core.dbtriggers import guard_all

        post_migrate.connect(guard_all, sender=self, dispatch_uid="phocap.core.guard_all")
