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
SQLITE_FORWARD = [
    f"CREATE TRIGGER moderation_audit_no_{verb} BEFORE {verb.upper()} ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    for verb in ("update", "delete")
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS moderation_audit_no_{verb};" for verb in ("update", "delete")]


def forward(apps, schema_editor):
    statements = [POSTGRES_FORWARD] if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = [POSTGRES_BACKWARD] if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    """The database itself refuses to change or remove audit entries, whatever code asks."""

    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
