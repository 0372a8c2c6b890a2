-- CreateTable
CREATE TABLE "audit_logs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "type" TEXT NOT NULL,
    "error" TEXT,
    "meta_http_request_id" TEXT NOT NULL,
    "meta_source_ip" TEXT NOT NULL,
    "meta_user_agent" TEXT NOT NULL,
    "actor_user_id" UUID,
    "actor_email" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_logs_type_idx" ON "audit_logs"("type");

-- CreateIndex
CREATE INDEX "audit_logs_actor_user_id_idx" ON "audit_logs"("actor_user_id");

-- CreateIndex
CREATE INDEX "audit_logs_actor_email_idx" ON "audit_logs"("actor_email");

-- CreateIndex
CREATE INDEX "audit_logs_meta_http_request_id_idx" ON "audit_logs"("meta_http_request_id");

-- CreateIndex
CREATE INDEX "audit_logs_meta_source_ip_idx" ON "audit_logs"("meta_source_ip");
