-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "teams" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "token_prefix" TEXT NOT NULL,
    "scopes" TEXT[],
    "expires_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "last_used_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "products" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "products_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "implementations" (
    "id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "parent_implementation_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "implementations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "branches" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "repo_uri" TEXT NOT NULL,
    "branch_name" TEXT NOT NULL,
    "last_seen_commit" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "branches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tracked_branches" (
    "implementation_id" UUID NOT NULL,
    "branch_id" UUID NOT NULL,
    "repo_uri" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "tracked_branches_pkey" PRIMARY KEY ("implementation_id","branch_id")
);

-- CreateTable
CREATE TABLE "specs" (
    "id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "branch_id" UUID NOT NULL,
    "path" TEXT,
    "last_seen_commit" TEXT NOT NULL,
    "parsed_at" TIMESTAMPTZ(6) NOT NULL,
    "feature_name" TEXT NOT NULL,
    "feature_description" TEXT,
    "feature_version" TEXT NOT NULL DEFAULT '1.0.0',
    "raw_content" TEXT,
    "requirements" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "specs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feature_impl_states" (
    "id" UUID NOT NULL,
    "implementation_id" UUID NOT NULL,
    "feature_name" TEXT NOT NULL,
    "states" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "feature_impl_states_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feature_branch_refs" (
    "id" UUID NOT NULL,
    "branch_id" UUID NOT NULL,
    "feature_name" TEXT NOT NULL,
    "refs" JSONB NOT NULL,
    "commit" TEXT NOT NULL,
    "pushed_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "feature_branch_refs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices" (
    "id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "user_id" UUID,
    "name" TEXT NOT NULL,
    "platform" TEXT,
    "hostname" TEXT,
    "app_version" TEXT,
    "daemon_version" TEXT,
    "status" TEXT NOT NULL DEFAULT 'offline',
    "capabilities" JSONB NOT NULL DEFAULT '{}',
    "last_seen_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "devices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workspace_bindings" (
    "id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "device_id" TEXT NOT NULL,
    "environment_id" TEXT NOT NULL,
    "project_id" TEXT,
    "local_path" TEXT NOT NULL,
    "name" TEXT,
    "sync_root" TEXT,
    "ignore_patterns" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "sync_mode" TEXT NOT NULL DEFAULT 'manual',
    "execution_mode" TEXT NOT NULL DEFAULT 'legacy_remote',
    "last_pushed_snapshot_id" TEXT,
    "last_pulled_snapshot_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "workspace_bindings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "push_sessions" (
    "id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "workspace_binding_id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "device_id" TEXT NOT NULL,
    "environment_id" TEXT NOT NULL,
    "project_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'prepared',
    "prepared_slot" BOOLEAN DEFAULT true,
    "plan_signature" TEXT NOT NULL,
    "plan" JSONB NOT NULL,
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "push_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pull_sessions" (
    "id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "workspace_binding_id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "device_id" TEXT NOT NULL,
    "environment_id" TEXT NOT NULL,
    "project_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'prepared',
    "prepared_slot" BOOLEAN DEFAULT true,
    "plan_signature" TEXT NOT NULL,
    "plan" JSONB NOT NULL,
    "metadata" JSONB,
    "preview_signature" TEXT,
    "preview" JSONB,
    "preview_metadata" JSONB,
    "preview_applied_at" TIMESTAMPTZ(6),
    "result_signature" TEXT,
    "result" JSONB,
    "result_metadata" JSONB,
    "result_applied_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "pull_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pipelines" (
    "id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "deleted_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "pipelines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "git_integration_configs" (
    "team_id" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "provider" TEXT NOT NULL,
    "repository_url" TEXT NOT NULL,
    "default_branch" TEXT NOT NULL,
    "path_prefix" TEXT NOT NULL DEFAULT '',
    "credential_type" TEXT,
    "encrypted_credentials" TEXT,
    "ssh_key_id" TEXT,
    "author_name" TEXT NOT NULL,
    "author_email" TEXT NOT NULL,
    "last_sync_at" TIMESTAMPTZ(6),
    "last_synced_commit" TEXT,
    "last_synced_branch" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "git_integration_configs_pkey" PRIMARY KEY ("team_id")
);

-- CreateTable
CREATE TABLE "git_ssh_keys" (
    "id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "public_key" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "encrypted_private_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "git_ssh_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "git_operations" (
    "id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "branch" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "result" JSONB,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(6),
    "finished_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "git_operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pipeline_sync_states" (
    "pipeline_id" TEXT NOT NULL,
    "team_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "synced_definition" JSONB NOT NULL,
    "synced_name" TEXT NOT NULL,
    "synced_version" INTEGER NOT NULL,
    "synced_blob_sha" TEXT,
    "synced_commit" TEXT NOT NULL,
    "synced_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "pipeline_sync_states_pkey" PRIMARY KEY ("pipeline_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name");

-- CreateIndex
CREATE UNIQUE INDEX "users_team_id_name_key" ON "users"("team_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_team_id_idx" ON "api_tokens"("team_id");

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "products_team_id_name_key" ON "products"("team_id", "name");

-- CreateIndex
CREATE INDEX "implementations_team_id_idx" ON "implementations"("team_id");

-- CreateIndex
CREATE INDEX "implementations_parent_implementation_id_idx" ON "implementations"("parent_implementation_id");

-- CreateIndex
CREATE UNIQUE INDEX "implementations_product_id_name_key" ON "implementations"("product_id", "name");

-- CreateIndex
CREATE INDEX "branches_repo_uri_idx" ON "branches"("repo_uri");

-- CreateIndex
CREATE UNIQUE INDEX "branches_team_id_repo_uri_branch_name_key" ON "branches"("team_id", "repo_uri", "branch_name");

-- CreateIndex
CREATE INDEX "tracked_branches_branch_id_idx" ON "tracked_branches"("branch_id");

-- CreateIndex
CREATE UNIQUE INDEX "tracked_branches_implementation_id_repo_uri_key" ON "tracked_branches"("implementation_id", "repo_uri");

-- CreateIndex
CREATE INDEX "specs_product_id_idx" ON "specs"("product_id");

-- CreateIndex
CREATE INDEX "specs_branch_id_idx" ON "specs"("branch_id");

-- CreateIndex
CREATE UNIQUE INDEX "specs_branch_id_product_id_feature_name_key" ON "specs"("branch_id", "product_id", "feature_name");

-- CreateIndex
CREATE INDEX "feature_impl_states_implementation_id_idx" ON "feature_impl_states"("implementation_id");

-- CreateIndex
CREATE INDEX "feature_impl_states_states_idx" ON "feature_impl_states" USING GIN ("states");

-- CreateIndex
CREATE UNIQUE INDEX "feature_impl_states_implementation_id_feature_name_key" ON "feature_impl_states"("implementation_id", "feature_name");

-- CreateIndex
CREATE INDEX "feature_branch_refs_branch_id_idx" ON "feature_branch_refs"("branch_id");

-- CreateIndex
CREATE INDEX "feature_branch_refs_refs_idx" ON "feature_branch_refs" USING GIN ("refs");

-- CreateIndex
CREATE UNIQUE INDEX "feature_branch_refs_branch_id_feature_name_key" ON "feature_branch_refs"("branch_id", "feature_name");

-- CreateIndex
CREATE INDEX "devices_team_id_status_created_at_idx" ON "devices"("team_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "workspace_bindings_device_id_idx" ON "workspace_bindings"("device_id");

-- CreateIndex
CREATE INDEX "workspace_bindings_team_id_created_at_idx" ON "workspace_bindings"("team_id", "created_at");

-- CreateIndex
CREATE INDEX "workspace_bindings_team_id_environment_id_idx" ON "workspace_bindings"("team_id", "environment_id");

-- CreateIndex
CREATE INDEX "workspace_bindings_team_id_project_id_idx" ON "workspace_bindings"("team_id", "project_id");

-- CreateIndex
CREATE INDEX "push_sessions_workspace_binding_id_status_created_at_idx" ON "push_sessions"("workspace_binding_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "push_sessions_team_id_idx" ON "push_sessions"("team_id");

-- CreateIndex
CREATE UNIQUE INDEX "push_sessions_workspace_binding_id_prepared_slot_key" ON "push_sessions"("workspace_binding_id", "prepared_slot");

-- CreateIndex
CREATE INDEX "pull_sessions_workspace_binding_id_status_created_at_idx" ON "pull_sessions"("workspace_binding_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "pull_sessions_team_id_idx" ON "pull_sessions"("team_id");

-- CreateIndex
CREATE UNIQUE INDEX "pull_sessions_workspace_binding_id_prepared_slot_key" ON "pull_sessions"("workspace_binding_id", "prepared_slot");

-- CreateIndex
CREATE INDEX "pipelines_team_id_id_idx" ON "pipelines"("team_id", "id");

-- CreateIndex
CREATE INDEX "git_integration_configs_ssh_key_id_idx" ON "git_integration_configs"("ssh_key_id");

-- CreateIndex
CREATE INDEX "git_ssh_keys_team_id_idx" ON "git_ssh_keys"("team_id");

-- CreateIndex
CREATE INDEX "git_operations_team_id_created_at_idx" ON "git_operations"("team_id", "created_at");

-- CreateIndex
CREATE INDEX "git_operations_team_id_status_idx" ON "git_operations"("team_id", "status");

-- CreateIndex
CREATE INDEX "pipeline_sync_states_team_id_idx" ON "pipeline_sync_states"("team_id");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "products" ADD CONSTRAINT "products_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "implementations" ADD CONSTRAINT "implementations_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "implementations" ADD CONSTRAINT "implementations_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "implementations" ADD CONSTRAINT "implementations_parent_implementation_id_fkey" FOREIGN KEY ("parent_implementation_id") REFERENCES "implementations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "branches" ADD CONSTRAINT "branches_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tracked_branches" ADD CONSTRAINT "tracked_branches_implementation_id_fkey" FOREIGN KEY ("implementation_id") REFERENCES "implementations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tracked_branches" ADD CONSTRAINT "tracked_branches_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "branches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "specs" ADD CONSTRAINT "specs_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "specs" ADD CONSTRAINT "specs_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "branches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feature_impl_states" ADD CONSTRAINT "feature_impl_states_implementation_id_fkey" FOREIGN KEY ("implementation_id") REFERENCES "implementations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feature_branch_refs" ADD CONSTRAINT "feature_branch_refs_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "branches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices" ADD CONSTRAINT "devices_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_bindings" ADD CONSTRAINT "workspace_bindings_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_bindings" ADD CONSTRAINT "workspace_bindings_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "devices"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "push_sessions" ADD CONSTRAINT "push_sessions_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "push_sessions" ADD CONSTRAINT "push_sessions_workspace_binding_id_fkey" FOREIGN KEY ("workspace_binding_id") REFERENCES "workspace_bindings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pull_sessions" ADD CONSTRAINT "pull_sessions_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pull_sessions" ADD CONSTRAINT "pull_sessions_workspace_binding_id_fkey" FOREIGN KEY ("workspace_binding_id") REFERENCES "workspace_bindings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "git_integration_configs" ADD CONSTRAINT "git_integration_configs_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "git_integration_configs" ADD CONSTRAINT "git_integration_configs_ssh_key_id_fkey" FOREIGN KEY ("ssh_key_id") REFERENCES "git_ssh_keys"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "git_ssh_keys" ADD CONSTRAINT "git_ssh_keys_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "git_operations" ADD CONSTRAINT "git_operations_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pipeline_sync_states" ADD CONSTRAINT "pipeline_sync_states_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipelines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written constraints that schema.prisma cannot express. They are appended
-- to the init migration by `npm run db:migration:regen-init`. The drift check
-- ignores CHECK constraints, so they never show up as drift.

-- At most one prepared session per binding: the unique index on
-- (workspace_binding_id, prepared_slot) only works if the slot is TRUE exactly
-- while the session is prepared, and NULL otherwise.
ALTER TABLE "push_sessions"
  ADD CONSTRAINT "push_sessions_status_check" CHECK ("status" IN ('prepared', 'superseded', 'cancelled')),
  ADD CONSTRAINT "push_sessions_prepared_slot_check" CHECK (("status" = 'prepared') = ("prepared_slot" IS NOT NULL) AND ("prepared_slot" IS NULL OR "prepared_slot"));
ALTER TABLE "pull_sessions"
  ADD CONSTRAINT "pull_sessions_status_check" CHECK ("status" IN ('prepared', 'superseded', 'cancelled')),
  ADD CONSTRAINT "pull_sessions_prepared_slot_check" CHECK (("status" = 'prepared') = ("prepared_slot" IS NOT NULL) AND ("prepared_slot" IS NULL OR "prepared_slot"));

ALTER TABLE "devices"
  ADD CONSTRAINT "devices_status_check" CHECK ("status" IN ('online', 'offline'));

ALTER TABLE "git_operations"
  ADD CONSTRAINT "git_operations_status_check" CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'conflict')),
  ADD CONSTRAINT "git_operations_kind_check" CHECK ("kind" IN ('push', 'pull'));
