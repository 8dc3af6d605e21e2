-- An organization's own rules for its keys (no row: none), and per-key IP allowlists (empty: anywhere).
CREATE TABLE "organization_key_policies" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"max_lifetime_days" integer,
	"enforce_on_existing" boolean DEFAULT false NOT NULL,
	"require_allowed_ips_for_live_secret_keys" boolean DEFAULT false NOT NULL,
	"public_keys_allowed" boolean DEFAULT true NOT NULL,
	"live_keys_allowed_for_role" "member_role",
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by_key_id" text,
	CONSTRAINT "organization_key_policies_max_lifetime" CHECK ("organization_key_policies"."max_lifetime_days" is null or "organization_key_policies"."max_lifetime_days" > 0)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "allowed_ips" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "organization_key_policies" ADD CONSTRAINT "organization_key_policies_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;