-- Written by hand: drizzle-kit cannot express partitioning. The snapshot (meta/0003_snapshot.json)
-- records what it can model: the two-column primary key and the two new indexes.
--
-- audit_events becomes partitioned by month of created_at, so retention drops whole months instead
-- of deleting rows. Months are UTC and named audit_events_YYYY_MM; audit_events_default takes any row
-- outside them, so an insert never fails for want of a partition. The retention job
-- (src/modules/audit/audit-partitions.ts) keeps creating the months ahead. Existing rows are copied.
ALTER TABLE "audit_events" RENAME TO "audit_events_unpartitioned";--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" text NOT NULL,
	"organization_id" text NOT NULL,
	"environment" "environment" NOT NULL,
	"api_key_id" text,
	"action" text NOT NULL,
	"operation_name" text,
	"root_fields" text[] DEFAULT '{}' NOT NULL,
	"outcome" text NOT NULL,
	"target_id" text,
	"details" jsonb,
	"ip" text,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
) PARTITION BY RANGE ("created_at");--> statement-breakpoint
CREATE TABLE "audit_events_default" PARTITION OF "audit_events" DEFAULT;--> statement-breakpoint
-- A partition per month from the oldest record (at most 24 months back; older ones go to the default
-- partition, whose expired rows retention deletes) to two months ahead. Month arithmetic is done on
-- UTC wall-clock timestamps and the bounds are written as ISO 8601 UTC, so neither the session's
-- TimeZone nor its DateStyle can shift them.
DO $$
DECLARE
	this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
	oldest timestamp := date_trunc('month', (SELECT min("created_at") FROM "audit_events_unpartitioned") AT TIME ZONE 'UTC');
	month timestamp := greatest(coalesce(oldest, this_month), this_month - interval '24 months');
BEGIN
	WHILE month <= this_month + interval '2 months' LOOP
		EXECUTE format(
			'CREATE TABLE %I PARTITION OF "audit_events" FOR VALUES FROM (%L) TO (%L)',
			'audit_events_' || to_char(month, 'YYYY_MM'),
			to_char(month, 'YYYY-MM-DD"T00:00:00Z"'),
			to_char(month + interval '1 month', 'YYYY-MM-DD"T00:00:00Z"')
		);
		month := month + interval '1 month';
	END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "audit_events" ("id", "organization_id", "environment", "api_key_id", "action", "operation_name", "root_fields", "outcome", "target_id", "details", "ip", "user_agent", "created_at")
	SELECT "id", "organization_id", "environment", "api_key_id", "action", "operation_name", "root_fields", "outcome", "target_id", "details", "ip", "user_agent", "created_at"
	FROM "audit_events_unpartitioned";--> statement-breakpoint
DROP TABLE "audit_events_unpartitioned";--> statement-breakpoint
-- Keys and indexes after the copy: building them once is faster than maintaining them row by row.
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_pkey" PRIMARY KEY("id","created_at");--> statement-breakpoint
CREATE INDEX "audit_events_organization_idx" ON "audit_events" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "audit_events_key_idx" ON "audit_events" USING btree ("organization_id","api_key_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("organization_id","action","created_at");--> statement-breakpoint
-- Idempotency keys are forgotten after a day; this finds the ones to forget without reading every booking.
CREATE INDEX "bookings_idempotency_age_idx" ON "bookings" USING btree ("created_at") WHERE idempotency_key is not null;--> statement-breakpoint
-- Deleting an old webhook event checks that no delivery still points at it; without this index, one
-- scan of all deliveries per event.
CREATE INDEX "webhook_deliveries_event_idx" ON "webhook_deliveries" USING btree ("event_id");
