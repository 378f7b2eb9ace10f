import { expect } from 'vitest';

/** The forms a secret takes on its way out: as is, URL-encoded, base64 (Basic auth), JSON-escaped. */
function forms(secret: string): string[] {
  const lines = secret.split('\n').filter((line) => line.length >= 24 && !line.startsWith('-----'));
  // A PEM key is caught by any of its body lines, however the newlines were escaped.
  if (lines.length > 0) return lines;
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)];
}

/** Fails naming the secret (never printing it whole) when `text` contains any form of any secret. */
export function assertNoSecretsIn(text: string, secrets: Record<string, string>, where: string): void {
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of forms(secret)) {
      expect(text.includes(form), `${where} contains ${name} (${form.slice(0, 6)}...)`).toBe(false);
    }
  }
}

/**
 * Every column of the app's tables whose name says it may hold a secret, and how it holds it.
 * The at-rest test fails on a column matching CREDENTIAL_COLUMN_NAME that is not listed here,
 * so a new credential column cannot be added without deciding how it is stored.
 * - sealed: a SecretBox v2 envelope (AES-256-GCM bound to team and row), never clear text
 * - hash: a one-way digest of a token, never the token
 * - not secret: public by design (a public key, a token's display prefix, an id that names a key)
 */
const CREDENTIAL_COLUMN_NAME = /secret|token|key|credential|passw|private|signature|auth(?!or)/i;

export const CREDENTIAL_COLUMNS: Record<string, 'sealed' | 'hash' | 'not secret'> = {
  'git_integration_configs.encrypted_credentials': 'sealed',
  'git_ssh_keys.encrypted_private_key': 'sealed',
  'git_integration_configs.encrypted_webhook_secret': 'sealed',
  'api_tokens.token_hash': 'hash',
  'api_tokens.token_prefix': 'not secret',
  'dashboard_sessions.token_id': 'not secret',
  'git_ssh_keys.public_key': 'not secret',
  'git_integration_configs.ssh_key_id': 'not secret',
  'git_integration_configs.credential_type': 'not secret',
  'git_integration_configs.ssh_host_key_fingerprint': 'not secret',
  'push_sessions.plan_signature': 'not secret',
  'pull_sessions.plan_signature': 'not secret',
  'pull_sessions.preview_signature': 'not secret',
  'pull_sessions.result_signature': 'not secret',
};

type Query = <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<{ rows: R[] }>;

/** Every row of every table of every non-system schema (the app's and pg-boss's), one JSON text per table. */
export async function dumpAllTables(query: Query): Promise<{ table: string; text: string }[]> {
  const { rows: tables } = await query<{ name: string; label: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS name, table_schema || '.' || table_name AS label
     FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%'
     ORDER BY 1`,
  );
  const dump: { table: string; text: string }[] = [];
  for (const { name, label } of tables) {
    const { rows } = await query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${name} t`);
    dump.push({ table: label, text: rows.map((r) => r.row).join('\n') });
  }
  return dump;
}

/** Columns of the app's schema whose name looks like a credential's: `table.column`. */
export async function credentialLikeColumns(query: Query): Promise<string[]> {
  const { rows } = await query<{ name: string }>(
    `SELECT table_name || '.' || column_name AS name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.name).filter((name) => CREDENTIAL_COLUMN_NAME.test(name.split('.')[1]!));
}
