"""An item's status matches its placement: an actual, milestone or product line is on an
open invoice exactly when its status says so (issue 12).

PostgreSQL checks both directions at commit (deferred constraint triggers), whatever the
order of the statements inside the transaction. SQLite, which has no deferred triggers,
refuses the placement of an item whose status does not say "on an invoice" (its single
writer cannot split a status change from a placement anyway).

Revision ID: c3d4e5f60702
Revises: b2c3d4e5f601
Create Date: 2026-12-02 19:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3d4e5f60702'
down_revision = 'b2c3d4e5f601'
branch_labels = None
depends_on = None

PLACED = "('invoice_created', 'invoice_posted')"

POSTGRESQL = f"""
CREATE FUNCTION detail_item_placed() RETURNS trigger AS $$
DECLARE
    detail invoice_line_details%ROWTYPE;
BEGIN
    -- Deferred to commit: read the detail as it is then (it may be gone or closed).
    SELECT * INTO detail FROM invoice_line_details WHERE id = NEW.id;
    IF NOT FOUND OR NOT detail.is_open THEN
        RETURN NULL;
    END IF;
    IF detail.actual_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM actuals WHERE id = detail.actual_id AND status IN {PLACED}) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format(
            'actual %s is on invoice %s but its status says it is not', detail.actual_id,
            detail.invoice_id);
    END IF;
    IF detail.milestone_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM milestones WHERE id = detail.milestone_id AND status IN {PLACED}) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format(
            'milestone %s is on invoice %s but its status says it is not', detail.milestone_id,
            detail.invoice_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER invoice_line_details_item_placed
AFTER INSERT OR UPDATE OF is_open, actual_id, milestone_id ON invoice_line_details
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION detail_item_placed();

CREATE FUNCTION item_status_matches_placement() RETURNS trigger AS $$
DECLARE
    current_status text;
    placed boolean;
BEGIN
    EXECUTE format('SELECT status FROM %I WHERE id = $1', TG_TABLE_NAME)
        INTO current_status USING NEW.id;
    IF current_status IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'actuals' THEN
        placed := EXISTS (SELECT 1 FROM invoice_line_details
                          WHERE actual_id = NEW.id AND is_open);
    ELSIF TG_TABLE_NAME = 'milestones' THEN
        placed := EXISTS (SELECT 1 FROM invoice_line_details
                          WHERE milestone_id = NEW.id AND is_open);
    ELSE
        IF NEW.billing_method <> 'product' THEN
            RETURN NULL;
        END IF;
        placed := EXISTS (SELECT 1 FROM invoice_lines WHERE contract_line_id = NEW.id
                          AND is_open AND billing_method = 'product');
    END IF;
    IF placed <> (current_status IN {PLACED}) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format(
            '%s %s has status %s but is %s an open invoice', TG_TABLE_NAME, NEW.id,
            current_status, CASE WHEN placed THEN 'on' ELSE 'not on' END);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER actuals_status_matches_placement
AFTER UPDATE OF status ON actuals
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION item_status_matches_placement();

CREATE CONSTRAINT TRIGGER milestones_status_matches_placement
AFTER UPDATE OF status ON milestones
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION item_status_matches_placement();

CREATE CONSTRAINT TRIGGER contract_lines_status_matches_placement
AFTER UPDATE OF status ON contract_lines
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION item_status_matches_placement();
"""

SQLITE = [f"""
CREATE TRIGGER invoice_line_details_actual_placed BEFORE INSERT ON invoice_line_details
WHEN NEW.is_open AND NEW.actual_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM actuals WHERE id = NEW.actual_id AND status IN {PLACED})
BEGIN SELECT RAISE(ABORT, 'an actual on an invoice must have the status invoice_created'); END
""", f"""
CREATE TRIGGER invoice_line_details_milestone_placed BEFORE INSERT ON invoice_line_details
WHEN NEW.is_open AND NEW.milestone_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM milestones WHERE id = NEW.milestone_id AND status IN {PLACED})
BEGIN SELECT RAISE(ABORT, 'a milestone on an invoice must have the status invoice_created'); END
"""]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL)
    else:
        for statement in SQLITE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("contract_lines", "milestones", "actuals"):
            op.execute(f"DROP TRIGGER {table}_status_matches_placement ON {table}")
        op.execute("DROP FUNCTION item_status_matches_placement()")
        op.execute("DROP TRIGGER invoice_line_details_item_placed ON invoice_line_details")
        op.execute("DROP FUNCTION detail_item_placed()")
    else:
        op.execute("DROP TRIGGER invoice_line_details_milestone_placed")
        op.execute("DROP TRIGGER invoice_line_details_actual_placed")
