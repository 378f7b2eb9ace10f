import type { Sql } from '../../../db/handles.js';

/** How long a delivery id is remembered; providers retry and redeliver well within it. */
const DELIVERY_MEMORY_HOURS = 24;

/**
 * Records a verified delivery's id for its hook; false when the same id was recorded within
 * DELIVERY_MEMORY_HOURS (a replay). One statement: an id older than that counts as new again, and
 * other hooks' expired ids are pruned on the way (their own row is left to the upsert).
 */
export async function recordDelivery(db: Sql, hookId: string, deliveryId: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ recorded: boolean }[]>`
    WITH pruned AS (
      DELETE FROM git_webhook_deliveries
      WHERE received_at < now() - make_interval(hours => ${DELIVERY_MEMORY_HOURS}::int)
        AND NOT (hook_id = ${hookId} AND delivery_id = ${deliveryId})
    )
    INSERT INTO git_webhook_deliveries (hook_id, delivery_id, received_at)
    VALUES (${hookId}, ${deliveryId}, now())
    ON CONFLICT (hook_id, delivery_id) DO UPDATE SET received_at = excluded.received_at
      WHERE git_webhook_deliveries.received_at < now() - make_interval(hours => ${DELIVERY_MEMORY_HOURS}::int)
    RETURNING true AS recorded`;
  return rows.length === 1;
}

/** Forgets a recorded delivery id: its work failed, and the provider's redelivery with that id must run it again. */
export async function forgetDelivery(db: Sql, hookId: string, deliveryId: string): Promise<void> {
  await db.$executeRaw`DELETE FROM git_webhook_deliveries WHERE hook_id = ${hookId} AND delivery_id = ${deliveryId}`;
}
