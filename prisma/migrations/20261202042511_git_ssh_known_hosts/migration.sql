-- AlterTable
ALTER TABLE "git_integration_configs" ADD COLUMN     "ssh_host_key_fingerprint" TEXT,
ADD COLUMN     "ssh_known_hosts" TEXT;
