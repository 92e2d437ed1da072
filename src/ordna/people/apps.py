from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ordna.people"
    label = "people"
