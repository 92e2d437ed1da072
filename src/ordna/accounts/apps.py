from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "ordna.accounts"
    label = "accounts"

    def ready(self) -> None:
        from ordna.accounts.search import ensure_accounts_search
        from ordna.accounts.tasks import on_people_changed
        from ordna.people.events import people_changed

        people_changed.subscribe(on_people_changed)

        post_migrate.connect(ensure_accounts_search, sender=self, dispatch_uid="ordna.accounts.search")
