ALTER TABLE "accounts" ADD COLUMN "cancel_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "erase_after" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "accounts_erase_after_idx" ON "accounts" USING btree ("erase_after") WHERE erase_after is not null;