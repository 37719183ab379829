from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_keys_into_projects")]

    operations = [migrations.DeleteModel(name="ApiKey")]
