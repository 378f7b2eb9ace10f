import type { Sql } from '../../../db/handles.js';

export interface ProductRow {
  name: string;
  description: string | null;
  features: number;
  implementations: number;
}

export interface PushRow {
  repo_uri: string;
  branch_name: string;
  last_seen_commit: string;
  pushed_at: Date;
  implementations: string[];
}

export async function selectProducts(db: Sql, teamId: string): Promise<ProductRow[]> {
  return db.$queryRaw<ProductRow[]>`
    SELECT p.name, p.description,
           (SELECT count(DISTINCT s.feature_name) FROM specs s WHERE s.product_id = p.id)::int AS features,
           (SELECT count(*) FROM implementations i WHERE i.product_id = p.id AND i.is_active)::int AS implementations
      FROM products p
     WHERE p.team_id = ${teamId}::uuid AND p.is_active
     ORDER BY p.name`;
}

/** A push moves a branch's last_seen_commit and updated_at: the newest branches are the recent pushes. */
export async function selectRecentPushes(db: Sql, teamId: string, limit: number): Promise<PushRow[]> {
  return db.$queryRaw<PushRow[]>`
    SELECT b.repo_uri, b.branch_name, b.last_seen_commit, b.updated_at AS pushed_at,
           COALESCE(array_agg(p.name || ' / ' || i.name ORDER BY p.name, i.name) FILTER (WHERE i.id IS NOT NULL), '{}') AS implementations
      FROM branches b
      LEFT JOIN tracked_branches tb ON tb.branch_id = b.id
      LEFT JOIN implementations i ON i.id = tb.implementation_id
      LEFT JOIN products p ON p.id = i.product_id
     WHERE b.team_id = ${teamId}::uuid
     GROUP BY b.id
     ORDER BY b.updated_at DESC, b.id
     LIMIT ${limit}`;
}
