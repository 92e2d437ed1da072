from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "ordna.support"
    label = "support"
