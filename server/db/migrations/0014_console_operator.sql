CREATE TABLE "console_approvals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"requested_by" uuid NOT NULL,
	"reason" text NOT NULL,
	"scope" jsonb NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "hash" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "shipped_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "shipping_carrier" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "shipping_tracking_no" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "shipping_uploaded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "shipping_upload_error" text;--> statement-breakpoint
ALTER TABLE "schools" ADD COLUMN "city_code" text;--> statement-breakpoint
ALTER TABLE "schools" ADD COLUMN "city_name" text;--> statement-breakpoint
ALTER TABLE "schools" ADD COLUMN "district_code" text;--> statement-breakpoint
ALTER TABLE "schools" ADD COLUMN "district_name" text;--> statement-breakpoint
ALTER TABLE "console_approvals" ADD CONSTRAINT "console_approvals_requested_by_accounts_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "console_approvals" ADD CONSTRAINT "console_approvals_decided_by_accounts_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "console_approvals_status_created_idx" ON "console_approvals" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "console_approvals_requested_by_idx" ON "console_approvals" USING btree ("requested_by","created_at");--> statement-breakpoint
CREATE INDEX "accounts_staff_idx" ON "accounts" USING btree ("role","created_at") WHERE role in ('school_admin', 'operator');--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action","at");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_unchained_idx" ON "audit_log" USING btree ("id") WHERE chain_seq is null;--> statement-breakpoint
CREATE INDEX "orders_status_created_idx" ON "orders" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "orders_account_idx" ON "orders" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "schools_region_idx" ON "schools" USING btree ("city_code","district_code");--> statement-breakpoint
CREATE INDEX "schools_district_idx" ON "schools" USING btree ("district_code");--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_chain_seq_unique" UNIQUE("chain_seq");