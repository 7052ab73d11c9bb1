from django.db import migrations

TABLE = "recognition_pointsentry"
# Every column but the two that deleting an account or a category may empty (SET_NULL).
FIXED = (
    "id",
    "member_id",
    "amount",
    "reason",
    "source_type",
    "source_id",
    "source_event_id",
    "reverses_id",
    "cause",
    "note",
    "created_at",
)


def _row(prefix: str) -> str:
    return ", ".join(f"{prefix}.{column}" for column in FIXED)


# An update may only empty actor_id or category_id, as deleting the account or
# category they name does. A delete is allowed only for a member whose account
# is being deleted in this transaction: recognition.receivers names them in the
# transaction-local setting recognition.erasing_members before Django deletes
# their entries.
POSTGRES_FORWARD = f"""
CREATE FUNCTION recognition_points_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF ROW({_row("NEW")}) IS NOT DISTINCT FROM ROW({_row("OLD")})
           AND (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
           AND (NEW.category_id IS NULL OR NEW.category_id IS NOT DISTINCT FROM OLD.category_id) THEN
            RETURN NEW;
        END IF;
    ELSIF OLD.member_id::text = ANY(
        string_to_array(coalesce(current_setting('recognition.erasing_members', true), ''), ',')
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the points ledger is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recognition_points_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION recognition_points_append_only();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS recognition_points_append_only ON {TABLE};
DROP FUNCTION IF EXISTS recognition_points_append_only();
"""
# The embedded SQLite database refuses updates only, as the audit log's trigger
# does (moderation 0002): Django's `flush` empties tables with DELETE there.
_SQLITE_SAME = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in FIXED)
SQLITE_FORWARD = [
    f"CREATE TRIGGER recognition_points_no_update BEFORE UPDATE ON {TABLE} "
    f"WHEN NOT ({_SQLITE_SAME} "
    "AND (NEW.actor_id IS NULL OR NEW.actor_id IS OLD.actor_id) "
    "AND (NEW.category_id IS NULL OR NEW.category_id IS OLD.category_id)) "
    "BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;"
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS recognition_points_no_update;"]


def forward(apps, schema_editor):
    statements = [POSTGRES_FORWARD] if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = [POSTGRES_BACKWARD] if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    """The database itself refuses to change points entries (and on PostgreSQL, to remove them)."""

    dependencies = [("recognition", "0002_points_cause")]

    operations = [migrations.RunPython(forward, backward)]
