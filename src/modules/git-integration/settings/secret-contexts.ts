import type { SecretContext } from '../../../lib/crypto/secret-box.js';

// What each sealed column of the git integration is bound to (see lib/crypto/secret-box.ts):
// a value opens only in the row, and for the team, it was sealed for.

/** git_integration_configs.encrypted_credentials: one row per team, keyed by team_id. */
export const gitCredentialsContext = (teamId: string): SecretContext => ({ purpose: 'git-credentials', teamId, rowId: teamId });

/** git_ssh_keys.encrypted_private_key of the key `keyId` of `teamId`. */
export const sshPrivateKeyContext = (teamId: string, keyId: string): SecretContext => ({ purpose: 'ssh-private-key', teamId, rowId: keyId });

/** git_integration_configs.encrypted_webhook_secret, bound to the webhook id it signs for: a new id needs a new secret. */
export const webhookSecretContext = (teamId: string, hookId: string): SecretContext => ({ purpose: 'webhook-secret', teamId, rowId: hookId });
