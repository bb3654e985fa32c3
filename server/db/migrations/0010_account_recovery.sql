CREATE TABLE "recovery_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"school_ids" uuid[] NOT NULL,
	"class_ids" uuid[] NOT NULL,
	"new_phone_cipher" text NOT NULL,
	"new_phone_index" text NOT NULL,
	"note" text NOT NULL,
	"ip" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reject_reason" text,
	"effective_at" timestamp with time zone,
	"cancel_reason" text,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "sms_phone_cipher" text;--> statement-breakpoint
ALTER TABLE "recovery_requests" ADD CONSTRAINT "recovery_requests_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_requests" ADD CONSTRAINT "recovery_requests_decided_by_accounts_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "recovery_requests_account_idx" ON "recovery_requests" USING btree ("account_id","status");--> statement-breakpoint
CREATE INDEX "recovery_requests_status_created_idx" ON "recovery_requests" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "recovery_requests_school_ids_idx" ON "recovery_requests" USING gin ("school_ids");--> statement-breakpoint
CREATE INDEX "recovery_requests_class_ids_idx" ON "recovery_requests" USING gin ("class_ids");--> statement-breakpoint
CREATE UNIQUE INDEX "recovery_requests_open_uq" ON "recovery_requests" USING btree ("account_id") WHERE status in ('pending', 'approved');