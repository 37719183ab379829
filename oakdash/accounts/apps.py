from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "oakdash.accounts"
    label = "accounts"
    verbose_name = "Accounts and API keys"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from oakdash.accounts import key_cache, user_cache
        from oakdash.accounts.models import Project, ProjectKey

        user = get_user_model()
        post_save.connect(user_cache.forget, sender=user, dispatch_uid="oakdash-user-cache")
        post_delete.connect(user_cache.forget, sender=user, dispatch_uid="oakdash-user-cache")
        for signal in (post_save, post_delete):
            signal.connect(
                key_cache.forget_key, sender=ProjectKey, dispatch_uid="oakdash-key-cache"
            )
        post_save.connect(
            key_cache.forget_project, sender=Project, dispatch_uid="oakdash-key-cache-project"
        )
