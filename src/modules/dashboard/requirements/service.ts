import type { Sql } from '../../../db/handles.js';
import { readFeatureContext } from '../../acai/features/service.js';
import { validateStateWrite, writeFeatureStates, type StateWriteCaps } from '../../acai/states/service.js';
import type { Status } from '../../acai/domain/state.js';
import { selectRefCommits } from './store.js';

export interface CellAddress {
  productName: string;
  implementationName: string;
  featureName: string;
}

/** acai's feature context with every ref (deprecated requirements included), and the commit of each branch's refs. */
export async function readRequirements(db: Sql, teamId: string, address: CellAddress) {
  const context = await readFeatureContext(db, teamId, {
    ...address,
    includeRefs: true,
    includeDanglingStates: false,
    includeDeprecated: true,
    statuses: undefined,
  });
  const commits = await selectRefCommits(db, teamId, address.featureName);
  return { context, commitOf: (repoUri: string, branchName: string) => commits.get(`${repoUri}\n${branchName}`) };
}

export type RequirementsView = Awaited<ReturnType<typeof readRequirements>>;

/** The dashboard's status form goes through acai's own write (same validation, same inheritance rule on a first write). */
export async function setRequirementState(
  db: Sql,
  teamId: string,
  caps: StateWriteCaps,
  address: CellAddress & { acid: string; status: Status | null; comment: string | undefined },
) {
  const input = {
    productName: address.productName,
    featureName: address.featureName,
    implementationName: address.implementationName,
    states: { [address.acid]: { status: address.status, ...(address.comment === undefined ? {} : { comment: address.comment }) } },
  };
  validateStateWrite(input, caps);
  return writeFeatureStates(db, teamId, input);
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const HOST_PATH = /^([a-z0-9.-]+\.[a-z]{2,})(?::\d+)?\/([A-Za-z0-9._~/-]+?)(?:\.git)?$/i;

/**
 * The web URL of a ref at a commit, for the hosts whose URL shapes we know; null otherwise (the
 * ref is shown as text). A `:line` suffix becomes an anchor.
 */
export function refUrl(repoUri: string, commit: string | undefined, refPath: string): string | null {
  if (!commit || !COMMIT.test(commit)) return null;
  const repo = HOST_PATH.exec(repoUri);
  if (!repo) return null;
  const [, host, path] = repo;
  const line = /^(.*?):(\d+)(?::\d+)?$/.exec(refPath);
  const file = (line ? line[1]! : refPath).split('/').map(encodeURIComponent).join('/');
  const anchor = line ? `#L${line[2]}` : '';
  const lower = host!.toLowerCase();
  const blob = lower.includes('gitlab') ? '/-/blob/' : lower.includes('bitbucket') ? '/src/' : '/blob/';
  return `https://${host}/${path}${blob}${commit}/${file}${anchor}`;
}
