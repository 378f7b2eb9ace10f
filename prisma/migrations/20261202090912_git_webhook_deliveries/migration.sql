-- CreateTable
CREATE TABLE "git_webhook_deliveries" (
    "hook_id" TEXT NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "git_webhook_deliveries_pkey" PRIMARY KEY ("hook_id","delivery_id")
);

-- CreateIndex
CREATE INDEX "git_webhook_deliveries_received_at_idx" ON "git_webhook_deliveries"("received_at");
