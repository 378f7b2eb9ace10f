import type { Sql } from '../../../db/handles.js';
import { selectProducts, selectRecentPushes, type ProductRow } from './store.js';

/** How many pushes the team home lists. */
const RECENT_PUSHES = 10;

export interface RecentPush {
  repoUri: string;
  branchName: string;
  /** The branch's last pushed commit, shortened to 12 characters. */
  commit: string;
  /** `product / implementation` of every implementation tracking the branch. */
  implementations: string[];
  pushedAt: Date;
}

export interface TeamHome {
  products: ProductRow[];
  pushes: RecentPush[];
}

/** The team home: its active products (feature and implementation counts) and its most recently pushed branches. */
export async function readTeamHome(db: Sql, teamId: string): Promise<TeamHome> {
  const [products, pushes] = await Promise.all([selectProducts(db, teamId), selectRecentPushes(db, teamId, RECENT_PUSHES)]);
  return {
    products,
    pushes: pushes.map((push) => ({
      repoUri: push.repo_uri,
      branchName: push.branch_name,
      commit: push.last_seen_commit.slice(0, 12),
      implementations: push.implementations,
      pushedAt: push.pushed_at,
    })),
  };
}
