CREATE TABLE "retired_cards" (
	"card_ref" uuid PRIMARY KEY NOT NULL,
	"student_id" uuid NOT NULL,
	"card_number" text NOT NULL,
	"issued_at" timestamp with time zone,
	"revoked_at" timestamp with time zone NOT NULL,
	"revoked_reason" text,
	"retired_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "students" ADD COLUMN "card_revoked_reason" text;--> statement-breakpoint
ALTER TABLE "students" ADD COLUMN "card_ref" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "retired_cards" ADD CONSTRAINT "retired_cards_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "retired_cards_student_idx" ON "retired_cards" USING btree ("student_id");--> statement-breakpoint
ALTER TABLE "students" ADD CONSTRAINT "students_card_ref_unique" UNIQUE("card_ref");