-- Who received each key's current secret: existing keys were received by their owners.
ALTER TABLE "api_keys" ADD COLUMN "recipient_member_id" text;--> statement-breakpoint
UPDATE "api_keys" SET "recipient_member_id" = "owner_member_id";--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "recipient_member_id" SET NOT NULL;--> statement-breakpoint
-- The lifetime chosen at creation, kept by rolls. Keys already shortened by a roll's grace
-- period keep the lifetime their record shows; new rolls carry the column forward.
ALTER TABLE "api_keys" ADD COLUMN "lifetime_days" integer;--> statement-breakpoint
UPDATE "api_keys" SET "lifetime_days" = round(extract(epoch from ("expires_at" - "created_at")) / 86400) WHERE "expires_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_recipient_member_id_members_id_fk" FOREIGN KEY ("recipient_member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_recipient_idx" ON "api_keys" USING btree ("recipient_member_id");
