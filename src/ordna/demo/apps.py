from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation behind `ordna demo`, on top of every app it fills."""

    name = "ordna.demo"
    label = "demo"
