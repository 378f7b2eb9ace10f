import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { PrismaClient, Tx } from '../../../db/handles.js';
import type { JobRunner } from '../../../jobs/runner.js';
import secureJson from 'secure-json-parse';
import type { SecretBox } from '../../../lib/crypto/secret-box.js';
import { AppError, unauthorized } from '../../../lib/errors.js';
import { prefixedId } from '../../../lib/ids.js';
import { integrationNotFound, notConfigured } from '../errors.js';
import type { GitDeps } from '../git-context.js';
import { submitOperation } from '../operations/service.js';
import { requestRefresh } from '../refresh/service.js';
import { webhookSecretContext } from '../settings/secret-contexts.js';
import { clearWebhook, findWebhookTarget, openStored, setWebhook, type WebhookTarget } from '../settings/store.js';
import { deliveryId, isPushEvent, pushedBranches, signatureValid, type WebhookProvider } from './signatures.js';
import { findQueuedPull } from '../operations/store.js';
import { forgetDelivery, recordDelivery } from './store.js';

// A provider's delivery: verified against the secret of the webhook its URL names, then the
// team's remote view is refreshed at once and, with auto_pull, a pull is queued (or the pull of
// that branch already waiting in the team's queue is joined: one per burst of pushes). Every refusal
// (no or unknown hook id, a removed webhook, a wrong or missing signature) is the same 401 after
// the same work: a forged request learns nothing about which ids exist or whose they are.
// A verified delivery whose provider id this hook saw within 24 hours is a replay: 202, nothing done;
// the id is forgotten again when the delivery's work fails, so that the provider's redelivery runs it.

const BAD_SIGNATURE = 'The webhook signature does not match the secret of this webhook';

/** Verified against when the hook id is unknown, so that refusal costs what a wrong signature costs. */
const UNKNOWN_HOOK_SECRET = randomBytes(32).toString('hex');

export interface WebhookOutcome {
  refresh_queued: boolean;
  pull_operation_id: string | null;
}

export async function receiveWebhook(
  deps: GitDeps & { jobs: GitJobs; log: Logger },
  provider: WebhookProvider,
  hookId: string | undefined,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Promise<WebhookOutcome> {
  const target = hookId ? await findWebhookTarget(deps.prisma, hookId) : null;
  let secret = UNKNOWN_HOOK_SECRET;
  if (target) {
    try {
      secret = openStored(deps.secrets, target.encryptedSecret, webhookSecretContext(target.teamId, target.hookId));
    } catch {
      // A secret that no longer opens (another server key) refuses like a wrong signature.
    }
  }
  if (!signatureValid(provider, headers, body, secret) || !target) throw unauthorized(BAD_SIGNATURE);

  const outcome: WebhookOutcome = { refresh_queued: false, pull_operation_id: null };
  const id = deliveryId(provider, headers);
  if (id !== null && !(await recordDelivery(deps.prisma, target.hookId, id))) return outcome;
  const runner = deps.jobs.runner;
  if (!target.enabled || !runner) return outcome;
  try {
    outcome.pull_operation_id = await autoPull(deps, runner, target, provider, headers, body);
    // A queued pull fetches and measures the remote itself (and a refresh fetching into the same clone could collide with it).
    if (outcome.pull_operation_id === null) {
      await requestRefresh(runner, target.teamId);
      outcome.refresh_queued = true;
    }
  } catch (error) {
    // Nothing was done (the provider sees a 5xx): its redelivery with this id must not count as a replay.
    if (id !== null) {
      await forgetDelivery(deps.prisma, target.hookId, id).catch((forgetError: unknown) =>
        deps.log.warn({ hookId: target.hookId, err: forgetError }, 'webhook: a failed delivery id could not be forgotten'),
      );
    }
    throw error;
  }
  return outcome;
}

/** With auto_pull, a push event for the synced branch (or one whose branches cannot be read) queues a pull; its id, or null. */
async function autoPull(
  deps: GitDeps & { jobs: GitJobs; log: Logger },
  runner: JobRunner,
  target: WebhookTarget,
  provider: WebhookProvider,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Promise<string | null> {
  if (!target.autoPull || !isPushEvent(provider, headers)) return null;
  const branch = target.lastSyncedBranch ?? target.defaultBranch;
  const branches = pushedBranches(provider, parsePayload(headers, body));
  if (branches !== null && !branches.includes(branch)) return null;
  try {
    const submit = { prisma: deps.prisma, jobs: runner, maxQueuedPerTeam: deps.jobs.maxQueuedPerTeam };
    const strategy = target.autoPullStrategy;
    // Every push event would otherwise queue its own pull, and a burst of deliveries (or of signed
    // ones resent without a delivery id) would fill the team's GIT_MAX_QUEUED_OPERATIONS: a pull
    // of this branch that has not started yet fetches after this push anyway, so it is joined.
    const join = (tx: Tx, resolved: string) => findQueuedPull(tx, target.teamId, resolved, strategy);
    return (await submitOperation(submit, target.teamId, 'pull', { branch, strategy, dry_run: false }, { join })).id;
  } catch (error) {
    // The delivery itself was fine: a full queue is the team's to see in /status, and the view is refreshed instead.
    if (!(error instanceof AppError)) throw error;
    deps.log.warn({ teamId: target.teamId, error: error.message }, 'webhook: auto_pull was not queued');
    return null;
  }
}

export interface GitJobs {
  runner: JobRunner | null;
  maxQueuedPerTeam: number;
}

/**
 * The delivery's JSON payload, or null when it cannot be read (the branch is then unknown). GitHub
 * can also send `application/x-www-form-urlencoded`, the JSON in a `payload` field; the signature
 * was checked over the raw body either way.
 */
function parsePayload(headers: Record<string, string | string[] | undefined>, body: Buffer): unknown {
  let text = body.toString('utf8');
  const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : '';
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType.trim()) || text.startsWith('payload=')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) return null;
    text = payload;
  }
  try {
    return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch {
    return null;
  }
}

// ── Generating and removing the webhook (POST/DELETE /git-integration/webhook) ──

// A team's webhook: an id that goes in the URL the provider calls (it identifies the config,
// and is not a secret) and a secret the provider signs with (shown once, stored sealed for this
// team and this id). Generating again replaces both: the old URL and secret stop working.

const WEBHOOK_ID_PREFIX = 'gitwh';

export async function generateWebhook(prisma: PrismaClient, secrets: SecretBox, teamId: string): Promise<{ hookId: string; secret: string }> {
  const hookId = prefixedId(WEBHOOK_ID_PREFIX);
  const secret = randomBytes(32).toString('hex');
  if (!(await setWebhook(prisma, teamId, hookId, secrets.seal(secret, webhookSecretContext(teamId, hookId))))) throw notConfigured();
  return { hookId, secret };
}

export async function removeWebhook(prisma: PrismaClient, teamId: string): Promise<void> {
  if (!(await clearWebhook(prisma, teamId))) throw integrationNotFound();
}

/** The path each provider's webhook is set up with (behind the server's public origin). */
export function webhookPaths(hookId: string) {
  const path = (provider: string) => `/api/git-integration/webhooks/${provider}?hook_id=${hookId}`;
  return { github: path('github'), gitlab: path('gitlab'), bitbucket: path('bitbucket') };
}
