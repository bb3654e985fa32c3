CREATE INDEX "audit_log_at_brin" ON "audit_log" USING brin ("at");--> statement-breakpoint
CREATE INDEX "message_deliveries_created_brin" ON "message_deliveries" USING brin ("created_at");--> statement-breakpoint
CREATE INDEX "notifications_created_brin" ON "notifications" USING brin ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_created_brin" ON "outbox" USING brin ("created_at");