from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        # Imported here, not at the top: it needs the models, which load after the configs.
        from accounts.presentation.navigation import register_accounts

        register_accounts()
