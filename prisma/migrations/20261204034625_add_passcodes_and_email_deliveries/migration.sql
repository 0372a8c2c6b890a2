-- CreateTable
CREATE TABLE "passcodes" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "email_id" UUID NOT NULL,
    "ttl" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "try_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "passcodes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "email_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "to_address" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body_plain" TEXT NOT NULL,
    "body_html" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "email_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "passcodes_user_id_idx" ON "passcodes"("user_id");

-- CreateIndex
CREATE INDEX "passcodes_email_id_idx" ON "passcodes"("email_id");

-- CreateIndex
CREATE INDEX "passcodes_created_at_idx" ON "passcodes"("created_at");

-- CreateIndex
CREATE INDEX "email_deliveries_next_attempt_at_idx" ON "email_deliveries"("next_attempt_at");

-- CreateIndex
CREATE INDEX "email_deliveries_expires_at_idx" ON "email_deliveries"("expires_at");

-- AddForeignKey
ALTER TABLE "passcodes" ADD CONSTRAINT "passcodes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "passcodes" ADD CONSTRAINT "passcodes_email_id_fkey" FOREIGN KEY ("email_id") REFERENCES "emails"("id") ON DELETE CASCADE ON UPDATE CASCADE;
