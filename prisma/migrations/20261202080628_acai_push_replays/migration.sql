-- CreateTable
CREATE TABLE "acai_team_versions" (
    "team_id" UUID NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "acai_team_versions_pkey" PRIMARY KEY ("team_id")
);

-- CreateTable
CREATE TABLE "acai_push_replays" (
    "branch_id" UUID NOT NULL,
    "digest" BYTEA NOT NULL,
    "version" BIGINT NOT NULL,
    "response" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "acai_push_replays_pkey" PRIMARY KEY ("branch_id")
);

-- AddForeignKey
ALTER TABLE "acai_team_versions" ADD CONSTRAINT "acai_team_versions_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "acai_push_replays" ADD CONSTRAINT "acai_push_replays_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "branches"("id") ON DELETE CASCADE ON UPDATE CASCADE;
