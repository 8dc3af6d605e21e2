ALTER TYPE "public"."booking_event_type" ADD VALUE 'EXPIRED';--> statement-breakpoint
ALTER TYPE "public"."booking_status" ADD VALUE 'EXPIRED';--> statement-breakpoint
ALTER TABLE "booking_events" ALTER COLUMN "acting_key_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "booking_window_days" integer DEFAULT 90 NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "pending_hold_minutes" integer;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "client_address" text;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "bookings_attendee_email_idx" ON "bookings" USING btree ("organization_id","environment",lower("attendee_email"),"created_at");--> statement-breakpoint
CREATE INDEX "bookings_client_address_idx" ON "bookings" USING btree ("organization_id","environment","client_address","created_at") WHERE client_address is not null;--> statement-breakpoint
CREATE INDEX "bookings_pending_expiry_idx" ON "bookings" USING btree ("expires_at") WHERE status = 'PENDING' and expires_at is not null;