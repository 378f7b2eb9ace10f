-- DropForeignKey
ALTER TABLE "pipeline_sync_states" DROP CONSTRAINT "pipeline_sync_states_pipeline_id_fkey";

-- DropIndex
DROP INDEX "pipeline_sync_states_team_id_idx";

-- DropIndex
DROP INDEX "pipelines_team_id_id_idx";

-- AlterTable
ALTER TABLE "pipeline_sync_states" DROP CONSTRAINT "pipeline_sync_states_pkey",
ADD CONSTRAINT "pipeline_sync_states_pkey" PRIMARY KEY ("team_id", "pipeline_id");

-- AlterTable
ALTER TABLE "pipelines" DROP CONSTRAINT "pipelines_pkey",
ADD CONSTRAINT "pipelines_pkey" PRIMARY KEY ("team_id", "id");

-- AddForeignKey
ALTER TABLE "pipeline_sync_states" ADD CONSTRAINT "pipeline_sync_states_team_id_pipeline_id_fkey" FOREIGN KEY ("team_id", "pipeline_id") REFERENCES "pipelines"("team_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
