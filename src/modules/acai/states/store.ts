import { uuidv7 } from '../../../lib/ids.js';
import type { Sql } from '../../../db/handles.js';
import type { ChainLink } from '../domain/inheritance.js';

// feature_impl_states: the requirement states of one feature in one implementation.

export type StoredStates = Record<string, { status: string | null; comment?: string; updated_at: string }>;

/**
 * Merges `incoming` into the states of (implementation, feature) in ONE statement, which is the
 * whole write transaction (feature-states.TX.1): a first write starts from the nearest
 * ancestor's states (WRITE.2), later writes merge per ACID key (WRITE.3). Concurrent writers
 * never fail and never wait on each other across round trips: the conflict branch merges into
 * whatever row won (last write wins per ACID, TX.2). Selecting from implementations
 * (team-scoped) makes a concurrently deleted target write nothing: false then. A write bumps
 * the team's acai data version in the same statement (it retires stored push replays).
 */
export async function mergeFeatureStates(
  db: Sql,
  teamId: string,
  implementationId: string,
  ancestors: ChainLink[],
  featureName: string,
  incoming: StoredStates,
  now: Date,
): Promise<boolean> {
  const payload = JSON.stringify(incoming);
  const rows = await db.$queryRaw<{ written: number }[]>`
    WITH written AS (
    INSERT INTO feature_impl_states AS f (id, implementation_id, feature_name, states, created_at, updated_at)
    SELECT ${uuidv7()}::uuid, i.id, ${featureName},
           COALESCE((
             SELECT a.states FROM feature_impl_states a
               JOIN unnest(${ancestors.map((l) => l.id)}::uuid[], ${ancestors.map((l) => l.depth)}::int[]) AS ch(impl_id, depth)
                 ON ch.impl_id = a.implementation_id
              WHERE a.feature_name = ${featureName} AND jsonb_typeof(a.states) = 'object'
              ORDER BY ch.depth LIMIT 1
           ), '{}'::jsonb) || ${payload}::jsonb,
           ${now}, ${now}
      FROM implementations i
     WHERE i.id = ${implementationId}::uuid AND i.team_id = ${teamId}::uuid
    ON CONFLICT (implementation_id, feature_name) DO UPDATE
      SET states = (CASE WHEN jsonb_typeof(f.states) = 'object' THEN f.states ELSE '{}'::jsonb END) || ${payload}::jsonb,
          updated_at = EXCLUDED.updated_at
    RETURNING 1
    ), bumped AS (
      INSERT INTO acai_team_versions AS v (team_id, version) SELECT ${teamId}::uuid, 1 WHERE EXISTS (SELECT 1 FROM written)
      ON CONFLICT (team_id) DO UPDATE SET version = v.version + 1
    )
    SELECT (SELECT count(*) FROM written)::int AS written`;
  return rows[0]!.written > 0;
}
