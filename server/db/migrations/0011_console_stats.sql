CREATE TABLE "console_class_stats" (
	"class_id" uuid PRIMARY KEY NOT NULL,
	"school_id" uuid NOT NULL,
	"grade" text NOT NULL,
	"registered" integer DEFAULT 0 NOT NULL,
	"submitted" integer DEFAULT 0 NOT NULL,
	"auto_approved" integer DEFAULT 0 NOT NULL,
	"pending_review" integer DEFAULT 0 NOT NULL,
	"returned" integer DEFAULT 0 NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	"reconfirm_outstanding" integer DEFAULT 0 NOT NULL,
	"oldest_pending_since" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "console_school_stats" (
	"school_id" uuid PRIMARY KEY NOT NULL,
	"classes" integer DEFAULT 0 NOT NULL,
	"registered" integer DEFAULT 0 NOT NULL,
	"submitted" integer DEFAULT 0 NOT NULL,
	"auto_approved" integer DEFAULT 0 NOT NULL,
	"pending_review" integer DEFAULT 0 NOT NULL,
	"returned" integer DEFAULT 0 NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	"reconfirm_outstanding" integer DEFAULT 0 NOT NULL,
	"oldest_pending_since" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "password_change_required" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "console_class_stats_school_idx" ON "console_class_stats" USING btree ("school_id","grade");--> statement-breakpoint
CREATE INDEX "console_class_stats_school_pending_idx" ON "console_class_stats" USING btree ("school_id","pending_review");--> statement-breakpoint
CREATE INDEX "console_class_stats_school_oldest_idx" ON "console_class_stats" USING btree ("school_id","oldest_pending_since");--> statement-breakpoint
CREATE INDEX "console_school_stats_pending_idx" ON "console_school_stats" USING btree ("pending_review");--> statement-breakpoint
CREATE INDEX "console_school_stats_registered_idx" ON "console_school_stats" USING btree ("registered");