ALTER TABLE "accounts" ADD COLUMN "cancel_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "erase_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "comm_card_bindings" ADD COLUMN "card_number_cipher" text;--> statement-breakpoint
ALTER TABLE "comm_card_bindings" ADD COLUMN "card_number_index" text;--> statement-breakpoint
CREATE INDEX "accounts_erase_after_idx" ON "accounts" USING btree ("erase_after") WHERE erase_after is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "comm_card_bindings_card_number_uq" ON "comm_card_bindings" USING btree ("card_number_index");