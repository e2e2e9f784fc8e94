from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "standards"

    def ready(self) -> None:
        # Imported here, not at the top: it needs the models, which load after the configs.
        from standards.presentation import navigation

        navigation.register()
