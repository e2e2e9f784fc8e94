from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"

    def ready(self) -> None:
        # Imported here, not at the top: they need the models, which load after the configs.
        from catalogue.signals import product_no_longer_orderable
        from procurement import providers
        from procurement.presentation import navigation, panels
        from procurement.receivers import tell_forces_product_no_longer_orderable

        navigation.register()
        panels.register()
        providers.register()

        product_no_longer_orderable.connect(
            tell_forces_product_no_longer_orderable,
            dispatch_uid="procurement.product_no_longer_orderable",
        )
