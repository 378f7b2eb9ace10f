import type { Sql } from '../../../db/handles.js';

/** The commit each branch's refs of a feature were pushed at, to link refs to the repository at that commit. */
export async function selectRefCommits(db: Sql, teamId: string, featureName: string): Promise<Map<string, string>> {
  const rows = await db.$queryRaw<{ repo_uri: string; branch_name: string; commit: string }[]>`
    SELECT b.repo_uri, b.branch_name, r.commit
      FROM feature_branch_refs r JOIN branches b ON b.id = r.branch_id
     WHERE b.team_id = ${teamId}::uuid AND r.feature_name = ${featureName}`;
  return new Map(rows.map((row) => [`${row.repo_uri}\n${row.branch_name}`, row.commit]));
}
