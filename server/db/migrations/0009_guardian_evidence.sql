ALTER TABLE "profile_versions" ADD COLUMN "approval_evidence" text;--> statement-breakpoint
ALTER TABLE "registry_records" ADD COLUMN "guardians_cipher" text;--> statement-breakpoint
ALTER TABLE "registry_records" ADD COLUMN "guardian_phone_indexes" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
-- Approvals made before guardian evidence existed carry none: 'legacy' (the rollout re-checks them).
UPDATE "profile_versions" SET "approval_evidence" = 'legacy' WHERE "status" IN ('approved', 'reconfirm_required') OR "id" IN (SELECT "approved_version_id" FROM "students" WHERE "approved_version_id" IS NOT NULL);
