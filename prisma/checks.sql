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
