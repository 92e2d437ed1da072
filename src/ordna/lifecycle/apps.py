from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "ordna.lifecycle"
    label = "lifecycle"

    def ready(self) -> None:
        # Cases follow the people, accounts and devices below through their events (handlers.py).
        from ordna.core.import_results import ImportResult, import_result_register
        from ordna.lifecycle import handlers
        from ordna.lifecycle.selectors import cases_opened_by_run

        handlers.subscribe()
        # An HR import's page links to the cases it opened.
        import_result_register(
            "lifecycle.cases_opened",
            ImportResult(template="lifecycle/partials/import_cases.html", context=cases_opened_by_run),
        )
