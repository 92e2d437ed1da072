from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "ordna.lifecycle"
    label = "lifecycle"

    def ready(self) -> None:
        # Cases follow the people, accounts and devices below through their events (handlers.py).
        from ordna.core.action_links import action_link_purpose
        from ordna.core.import_results import ImportResult, import_result_register
        from ordna.lifecycle import handlers
        from ordna.lifecycle.models import LINE_LINK, SUPPLIER_LINK
        from ordna.lifecycle.selectors import cases_opened_by_run

        handlers.subscribe()
        # An HR import's page links to the cases it opened.
        import_result_register(
            "lifecycle.cases_opened",
            ImportResult(template="lifecycle/partials/import_cases.html", context=cases_opened_by_run),
        )
        # The pages that the signed links of the reminder mails open (by_link.py, service_desk.py).
        action_link_purpose(LINE_LINK, "lifecycle:line_by_link")
        action_link_purpose(SUPPLIER_LINK, "lifecycle:service_desk_by_link")
