CREATE TYPE "public"."usage_refill" AS ENUM('DAY', 'WEEK', 'MONTH');--> statement-breakpoint
CREATE TABLE "api_key_usage" (
	"budget_id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"period_start" timestamp with time zone,
	"used" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "usage_limit" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "usage_refill_every" "usage_refill";--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "usage_refill_amount" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "usage_budget_id" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "usage_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_key_usage" ADD CONSTRAINT "api_key_usage_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_usage_limit" CHECK (("api_keys"."usage_limit" is null) = ("api_keys"."usage_budget_id" is null) and ("api_keys"."usage_limit" is null) = ("api_keys"."usage_started_at" is null));--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_usage_refill" CHECK (("api_keys"."usage_refill_every" is null) = ("api_keys"."usage_refill_amount" is null) and ("api_keys"."usage_refill_every" is null or "api_keys"."usage_limit" is not null));