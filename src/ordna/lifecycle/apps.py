from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "ordna.lifecycle"
    label = "lifecycle"

    def ready(self) -> None:
        # Cases follow the people, accounts and devices below through their events (handlers.py).
        from ordna.core.action_links import action_link_purpose
        from ordna.lifecycle import handlers
        from ordna.lifecycle.models import LINE_LINK, SUPPLIER_LINK

        handlers.subscribe()
        # The pages that the signed links of the reminder mails open (by_link.py).
        action_link_purpose(LINE_LINK, "lifecycle:line_by_link")
        action_link_purpose(SUPPLIER_LINK, "lifecycle:service_desk_by_link")
