import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../../db/database.js';
import type { SecretBox } from '../../../lib/crypto/secret-box.js';
import { prefixedId } from '../../../lib/ids.js';
import { integrationNotFound, notConfigured } from '../errors.js';
import { webhookSecretContext } from './secret-contexts.js';
import { clearWebhook, setWebhook } from './store.js';

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
