-- CreateTable
CREATE TABLE "github_app_installation_links" (
    "team_id" UUID NOT NULL,
    "installation_id" TEXT NOT NULL,
    "account_id" BIGINT NOT NULL,
    "account_login" TEXT NOT NULL,
    "linked_by_user" UUID NOT NULL,
    "linked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "github_app_installation_links_pkey" PRIMARY KEY ("team_id","installation_id")
);

-- CreateTable
CREATE TABLE "github_app_link_states" (
    "state_hash" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "github_app_link_states_pkey" PRIMARY KEY ("state_hash")
);

-- CreateIndex
CREATE INDEX "github_app_installation_links_installation_id_idx" ON "github_app_installation_links"("installation_id");

-- CreateIndex
CREATE INDEX "github_app_link_states_team_id_idx" ON "github_app_link_states"("team_id");

-- CreateIndex
CREATE INDEX "github_app_link_states_expires_at_idx" ON "github_app_link_states"("expires_at");

-- AddForeignKey
ALTER TABLE "github_app_installation_links" ADD CONSTRAINT "github_app_installation_links_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "github_app_link_states" ADD CONSTRAINT "github_app_link_states_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
