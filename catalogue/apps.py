from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"

    def ready(self) -> None:
        # Imported here, not at the top: they need the models, which load after the configs.
        from catalogue import providers
        from catalogue.presentation import navigation
        from catalogue.services import lapsing
        from standards.signals import standard_abolished, version_superseded

        navigation.register()
        providers.register()
        version_superseded.connect(
            lapsing.schedule_lapse_on_supersession, dispatch_uid="catalogue.lapse_scheduled"
        )
        standard_abolished.connect(lapsing.lapse_on_abolition, dispatch_uid="catalogue.lapsed")
