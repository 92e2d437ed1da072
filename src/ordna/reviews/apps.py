from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "ordna.reviews"
    label = "reviews"

    def ready(self) -> None:
        # The contract pages (ordna.suppliers) show their service levels measured from questions and offboarding
        # lines, which stand above suppliers; this app, above both, gives them the measure.
        from ordna.reviews.selectors import service_level_report
        from ordna.suppliers.measures import measure_service_levels_with

        measure_service_levels_with(service_level_report)
