CREATE TABLE "review_digest_windows" (
	"teacher_id" uuid PRIMARY KEY NOT NULL,
	"window_id" uuid NOT NULL,
	"first_notification_id" uuid NOT NULL,
	"closes_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "notifications_undispatched_idx";--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "digest_window_id" uuid;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "job" text;--> statement-breakpoint
ALTER TABLE "review_digest_windows" ADD CONSTRAINT "review_digest_windows_teacher_id_accounts_id_fk" FOREIGN KEY ("teacher_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_deliveries_template_msgid_idx" ON "message_deliveries" USING btree ("provider_message_id") WHERE channel = 'template';--> statement-breakpoint
CREATE INDEX "notifications_digest_window_idx" ON "notifications" USING btree ("digest_window_id") WHERE digest_window_id is not null;--> statement-breakpoint
-- Hand-written: notification rows not yet handed to the notifications queue get their outbox row
-- (the outbox is now the only way a delivery job is made), before the column that marked them goes.
INSERT INTO "outbox" ("queue", "job", "payload")
SELECT 'notifications', 'deliver-notification', jsonb_build_object('notificationId', "id")
FROM "notifications" WHERE "dispatched_at" IS NULL ORDER BY "created_at", "id";--> statement-breakpoint
ALTER TABLE "notifications" DROP COLUMN "dispatched_at";