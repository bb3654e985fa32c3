ALTER TABLE "audit_log" ADD COLUMN "personal_hash" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "personal_erased_at" timestamp with time zone;