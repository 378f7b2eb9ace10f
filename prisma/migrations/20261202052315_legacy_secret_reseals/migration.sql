-- CreateTable
CREATE TABLE "legacy_secret_reseals" (
    "table_name" TEXT NOT NULL,
    "row_id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "ciphertext_sha256" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "legacy_secret_reseals_pkey" PRIMARY KEY ("table_name","row_id")
);

-- The v1 (unbound) credentials stored at upgrade time: only these exact ciphertexts, in these
-- rows, are re-sealed by the start-up pass (reseal-legacy-secrets.ts); any other v1 value is refused.
INSERT INTO "legacy_secret_reseals" ("table_name", "row_id", "team_id", "ciphertext_sha256")
SELECT 'git_integration_configs', "team_id"::text, "team_id", encode(sha256(convert_to("encrypted_credentials", 'UTF8')), 'hex')
FROM "git_integration_configs" WHERE "encrypted_credentials" LIKE 'v1.%';

INSERT INTO "legacy_secret_reseals" ("table_name", "row_id", "team_id", "ciphertext_sha256")
SELECT 'git_ssh_keys', "id", "team_id", encode(sha256(convert_to("encrypted_private_key", 'UTF8')), 'hex')
FROM "git_ssh_keys" WHERE "encrypted_private_key" LIKE 'v1.%';
