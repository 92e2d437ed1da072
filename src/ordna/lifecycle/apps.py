from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "ordna.lifecycle"
    label = "lifecycle"
