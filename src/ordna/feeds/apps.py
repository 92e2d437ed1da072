from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "ordna.feeds"
    label = "feeds"
