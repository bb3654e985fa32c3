CREATE TABLE "console_class_daily_stats" (
	"class_id" uuid NOT NULL,
	"school_id" uuid NOT NULL,
	"day" date NOT NULL,
	"submitted" integer DEFAULT 0 NOT NULL,
	"auto_approved" integer DEFAULT 0 NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	"returned" integer DEFAULT 0 NOT NULL,
	"decided_lt1h" integer DEFAULT 0 NOT NULL,
	"decided_lt1d" integer DEFAULT 0 NOT NULL,
	"decided_lt3d" integer DEFAULT 0 NOT NULL,
	"decided_lt7d" integer DEFAULT 0 NOT NULL,
	"decided_ge7d" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "console_class_daily_stats_class_id_day_pk" PRIMARY KEY("class_id","day")
);
--> statement-breakpoint
CREATE INDEX "console_class_daily_stats_school_day_idx" ON "console_class_daily_stats" USING btree ("school_id","day");--> statement-breakpoint
-- Hand-written (console_class_daily_stats backfill): the first computation of the daily rows of what exists,
-- by the console-stats worker, 500 classes per job (the same job that keeps them current).
INSERT INTO outbox (queue, payload)
SELECT 'console-stats', jsonb_build_object('classIds', jsonb_agg(id))
  FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / 500 AS chunk FROM classes) numbered
 GROUP BY chunk;
