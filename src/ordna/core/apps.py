from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ordna.core"
    label = "core"
    verbose_name = "Ordna core"

    def ready(self) -> None:
        # The pure modules' messages (ordna.core.text) read in the active language from now on.
        from django.utils.translation import gettext

        from ordna.core import text

        text.translate = gettext

        # Counts and totals are cached against a token that every committed write changes.
        from ordna.core.data_version import watch_writes

        watch_writes()
