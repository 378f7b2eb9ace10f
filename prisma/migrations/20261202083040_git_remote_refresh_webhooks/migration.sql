-- AlterTable
ALTER TABLE "git_integration_configs" ADD COLUMN     "auto_pull" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "auto_pull_strategy" TEXT NOT NULL DEFAULT 'merge',
ADD COLUMN     "encrypted_webhook_secret" TEXT,
ADD COLUMN     "remote_check_error" TEXT,
ADD COLUMN     "remote_checked_at" TIMESTAMPTZ(6),
ADD COLUMN     "remote_view" JSONB,
ADD COLUMN     "webhook_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "git_integration_configs_webhook_id_key" ON "git_integration_configs"("webhook_id");
