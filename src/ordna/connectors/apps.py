from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "ordna.connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        # The case page offers "Disable through the connector" on the account lines it applies to.
        from ordna.connectors.selectors import lines_disable_offered
        from ordna.lifecycle.line_actions import LineAction, line_action_register

        line_action_register(
            "connectors.disable",
            LineAction(template="connectors/partials/line_disable.html", offered_on=lines_disable_offered),
        )
