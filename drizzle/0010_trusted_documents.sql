CREATE TABLE "trusted_documents" (
	"organization_id" text NOT NULL,
	"environment" "environment" NOT NULL,
	"hash" text NOT NULL,
	"document" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by_key_id" text,
	CONSTRAINT "trusted_documents_organization_id_environment_hash_pk" PRIMARY KEY("organization_id","environment","hash")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "trusted_documents_only" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "trusted_documents" ADD CONSTRAINT "trusted_documents_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trusted_documents_tenant_idx" ON "trusted_documents" USING btree ("organization_id","environment","created_at","hash");