-- AlterTable
ALTER TABLE "acai_push_replays" ADD COLUMN     "raw_digest" BYTEA;

-- CreateIndex
CREATE INDEX "acai_push_replays_raw_digest_idx" ON "acai_push_replays"("raw_digest");
