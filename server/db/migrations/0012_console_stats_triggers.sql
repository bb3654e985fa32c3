-- The console's statistics are kept current from the decisions through the outbox (server/services/console/console-stats.ts):
-- every statement that changes students' status, class or approved version writes ONE outbox row `console-stats`
-- naming the classes it touched, in its own transaction. Statement-level triggers with transition tables: a bulk
-- update (a semester reset batch) writes one row, not one per student. The worker recomputes those classes.
CREATE OR REPLACE FUNCTION console_stats_students_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids jsonb;
BEGIN
  SELECT jsonb_agg(DISTINCT c) INTO ids FROM (
    SELECT n.class_id AS c FROM console_stats_new n JOIN console_stats_old o ON o.id = n.id
     WHERE n.status IS DISTINCT FROM o.status OR n.class_id IS DISTINCT FROM o.class_id
        OR n.approved_version_id IS DISTINCT FROM o.approved_version_id OR n.current_version_id IS DISTINCT FROM o.current_version_id
    UNION
    SELECT o.class_id FROM console_stats_new n JOIN console_stats_old o ON o.id = n.id
     WHERE n.class_id IS DISTINCT FROM o.class_id
  ) changed WHERE c IS NOT NULL;
  IF ids IS NOT NULL THEN
    INSERT INTO outbox (queue, payload) VALUES ('console-stats', jsonb_build_object('classIds', ids));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION console_stats_students_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids jsonb;
BEGIN
  SELECT jsonb_agg(DISTINCT class_id) INTO ids FROM console_stats_new WHERE class_id IS NOT NULL;
  IF ids IS NOT NULL THEN
    INSERT INTO outbox (queue, payload) VALUES ('console-stats', jsonb_build_object('classIds', ids));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION console_stats_students_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids jsonb;
BEGIN
  SELECT jsonb_agg(DISTINCT class_id) INTO ids FROM console_stats_old WHERE class_id IS NOT NULL;
  IF ids IS NOT NULL THEN
    INSERT INTO outbox (queue, payload) VALUES ('console-stats', jsonb_build_object('classIds', ids));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER students_console_stats_update AFTER UPDATE ON students
  REFERENCING OLD TABLE AS console_stats_old NEW TABLE AS console_stats_new
  FOR EACH STATEMENT EXECUTE FUNCTION console_stats_students_updated();
--> statement-breakpoint
CREATE TRIGGER students_console_stats_insert AFTER INSERT ON students
  REFERENCING NEW TABLE AS console_stats_new
  FOR EACH STATEMENT EXECUTE FUNCTION console_stats_students_inserted();
--> statement-breakpoint
CREATE TRIGGER students_console_stats_delete AFTER DELETE ON students
  REFERENCING OLD TABLE AS console_stats_old
  FOR EACH STATEMENT EXECUTE FUNCTION console_stats_students_deleted();
--> statement-breakpoint
-- The first computation of what exists already, by the worker, 500 classes per job.
INSERT INTO outbox (queue, payload)
SELECT 'console-stats', jsonb_build_object('classIds', jsonb_agg(id))
  FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / 500 AS chunk FROM classes) numbered
 GROUP BY chunk;
