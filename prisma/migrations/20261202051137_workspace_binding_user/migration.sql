-- AlterTable
ALTER TABLE "workspace_bindings" ADD COLUMN     "user_id" UUID;

-- Backfill: a binding belongs to the user who registered its device.
UPDATE "workspace_bindings" AS b SET "user_id" = d."user_id" FROM "devices" AS d WHERE d."id" = b."device_id" AND b."user_id" IS NULL;
