from django.db import migrations

TABLE = "moderation_auditentry"

POSTGRES_FORWARD = f"""
CREATE FUNCTION moderation_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS moderation_audit_append_only ON {TABLE};
DROP FUNCTION IF EXISTS moderation_audit_append_only();
"""
# The embedded SQLite database refuses updates only: Django's `flush` (used by
# developers and by transactional tests) empties tables with DELETE there,
# where PostgreSQL uses TRUNCATE, which row triggers don't see. Deleting
# through the application is refused by the model and queryset either way.
SQLITE_FORWARD = [
    f"CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS moderation_audit_no_update;"]


def forward(apps, schema_editor):
    statements = [POSTGRES_FORWARD] if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = [POSTGRES_BACKWARD] if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    """The database itself refuses to change (and on PostgreSQL, remove) audit entries, whatever code asks."""

    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
