ALTER TABLE "webhooks" ADD COLUMN "subscribed_by_member_id" text;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "pause_reason" text;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_subscribed_by_member_id_members_id_fk" FOREIGN KEY ("subscribed_by_member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhooks_subscriber_idx" ON "webhooks" USING btree ("subscribed_by_member_id");