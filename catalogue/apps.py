from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"

    def ready(self) -> None:
        # Imported here, not at the top: they need the models, which load after the configs.
        from catalogue import navigation, providers

        navigation.register()
        providers.register()
