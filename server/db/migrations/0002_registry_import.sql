ALTER TABLE "registry_batches" ADD COLUMN "rows_inserted" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "registry_batches" ADD COLUMN "rows_updated" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "registry_batches" ADD COLUMN "rows_unchanged" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "registry_records" ADD COLUMN "content_hash" text;