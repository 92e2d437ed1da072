from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ordna.core"
    label = "core"
    verbose_name = "Ordna core"
