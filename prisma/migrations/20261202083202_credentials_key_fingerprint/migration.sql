-- CreateTable
CREATE TABLE "credentials_key_fingerprint" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "fingerprint" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credentials_key_fingerprint_pkey" PRIMARY KEY ("id")
);
