from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PeopleConfig(AppConfig):
    name = "ordna.people"
    label = "people"

    def ready(self) -> None:
        from ordna.people.search import ensure_people_search

        post_migrate.connect(ensure_people_search, sender=self, dispatch_uid="ordna.people.search")
