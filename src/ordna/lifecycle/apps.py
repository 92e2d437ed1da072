from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "ordna.lifecycle"
    label = "lifecycle"

    def ready(self) -> None:
        # Cases follow the people, accounts and devices below through their events (handlers.py).
        from ordna.lifecycle import handlers

        handlers.subscribe()
