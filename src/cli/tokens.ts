import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { parseDuration } from '../lib/duration.js';
import { ALL_SCOPES, isScope, type Scope } from '../lib/auth/scopes.js';
import { createToken, listTokens, type TokenSummary } from '../db/tokens.js';
import { createLoginLink, endUserSessions } from '../modules/dashboard/sessions/service.js';
import { revokeToken } from '../modules/tokens/manage/service.js';

const USAGE = `Usage:
  npm run --silent tokens -- create --team <team> --user <user> [--name <name>] [--scopes a,b] [--expires-in 30d] [--json]
  npm run --silent tokens -- list [--team <team>] [--json]
  npm run --silent tokens -- revoke <id> [--json]
  npm run --silent tokens -- login-link --team <team> --user <user> [--scopes a,b] [--base-url http://host:4000] [--json]
  npm run --silent tokens -- end-sessions --team <team> --user <user> [--json]

login-link prints a dashboard sign-in link: single use, valid 15 minutes (default scopes: all).
end-sessions signs the user out of the dashboard in every browser (revoke also ends their link sessions).

Works directly on the database: DATABASE_URL when set, otherwise the embedded one in DATA_DIR
(which must not be in use by a running server).
Scopes (default: all): ${ALL_SCOPES.join(', ')}
Durations: <n>s, <n>m, <n>h, <n>d or <n>w.`;

class UsageError extends Error {}
/** `--help`: the usage on stdout, exit code 0. */
class HelpRequested extends Error {}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        team: { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        scopes: { type: 'string' },
        'expires-in': { type: 'string' },
        'base-url': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // An unknown option or a missing option value is a usage error like any other (exit code 2).
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}

const MAX_EXPIRES_IN_MS = 100 * 365 * 86_400_000;

function parseScopes(value: string | undefined): Scope[] | undefined {
  if (value === undefined) return undefined;
  const scopes = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0) throw new UsageError(`Unknown scope(s): ${unknown.join(', ')}`);
  if (scopes.length === 0) throw new UsageError('--scopes needs at least one scope');
  return scopes as Scope[];
}

function toJson(token: TokenSummary) {
  return {
    id: token.id,
    team: token.team,
    user: token.user,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes,
    expires_at: token.expiresAt?.toISOString() ?? null,
    revoked_at: token.revokedAt?.toISOString() ?? null,
    last_used_at: token.lastUsedAt?.toISOString() ?? null,
    created_at: token.createdAt.toISOString(),
  };
}

async function run(argv: string[], db: () => Promise<Database>): Promise<string> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  if (values.help) throw new HelpRequested(USAGE);
  if (!command) throw new UsageError(USAGE);

  switch (command) {
    case 'create': {
      if (!values.team || !values.user) throw new UsageError('create needs --team and --user');
      const scopes = parseScopes(values.scopes);
      let expiresInMs: number | undefined;
      if (values['expires-in'] !== undefined) {
        expiresInMs = parseDuration(values['expires-in']);
        if (expiresInMs === undefined || expiresInMs > MAX_EXPIRES_IN_MS) {
          throw new UsageError(`Invalid --expires-in "${values['expires-in']}": a positive duration of at most 100 years (e.g. 30d, 12h)`);
        }
      }
      // The lifetime is counted from created_at, not from now: opening the database takes a while.
      const created = await createToken((await db()).prisma, {
        team: values.team,
        user: values.user,
        name: values.name,
        scopes,
        expiresInMs,
      });
      if (values.json) return JSON.stringify({ token: created.token, ...toJson(created) });
      return [
        `Created token ${created.id} for ${created.user} in team ${created.team}.`,
        `Scopes: ${created.scopes.join(', ')}`,
        `Expires: ${created.expiresAt?.toISOString() ?? 'never'}`,
        '',
        `  ${created.token}`,
        '',
        'This is the only time the token is shown; store it now.',
      ].join('\n');
    }
    case 'list': {
      const tokens = await listTokens((await db()).prisma, { team: values.team });
      if (values.json) return JSON.stringify(tokens.map(toJson));
      if (tokens.length === 0) return 'No tokens.';
      return tokens
        .map((t) => {
          const state = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= new Date() ? 'expired' : 'active';
          return `${t.id}  ${t.prefix}…  ${t.team}/${t.user}  ${state}  scopes=${t.scopes.join(',')}  last_used=${t.lastUsedAt?.toISOString() ?? 'never'}`;
        })
        .join('\n');
    }
    case 'revoke': {
      const id = rest[0];
      if (!id) throw new UsageError('revoke needs a token id');
      const revoked = await revokeToken((await db()).prisma, id);
      if (!revoked) throw new UsageError(`No token with id ${id}`);
      return values.json ? JSON.stringify({ id, revoked: true }) : `Revoked ${id}.`;
    }
    case 'login-link': {
      if (!values.team || !values.user) throw new UsageError('login-link needs --team and --user');
      const scopes = parseScopes(values.scopes);
      const base = (values['base-url'] ?? process.env.DASHBOARD_BASE_URL ?? `http://localhost:${process.env.PORT ?? 4000}`).replace(/\/+$/, '');
      if (!/^https?:\/\/[^/\s]+$/.test(base)) throw new UsageError('--base-url must be an origin such as https://specs.example.com');
      const link = await createLoginLink((await db()).prisma, { team: values.team, user: values.user, scopes });
      const url = `${base}/dashboard/login/link?code=${link.code}`;
      if (values.json) return JSON.stringify({ url, expires_at: link.expiresAt.toISOString() });
      return [`Sign-in link for ${values.user} in team ${values.team} (single use, until ${link.expiresAt.toISOString()}):`, '', `  ${url}`].join('\n');
    }
    case 'end-sessions': {
      if (!values.team || !values.user) throw new UsageError('end-sessions needs --team and --user');
      const ended = await endUserSessions((await db()).prisma, values.team, values.user);
      if (ended === null) throw new UsageError(`No user ${values.user} in team ${values.team}`);
      if (values.json) return JSON.stringify({ team: values.team, user: values.user, ended });
      return `Ended ${ended} dashboard session(s) of ${values.user} in team ${values.team}.`;
    }
    default:
      throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
  }
}

async function main(): Promise<number> {
  let database: Database | undefined;
  try {
    const config = loadConfig();
    // Logs go to stderr so that `--json` output on stdout stays machine-readable.
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const output = await run(process.argv.slice(2), async () => {
      database ??= await openDatabase(config, { logger });
      return database;
    });
    process.stdout.write(`${output}\n`);
    return 0;
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(`${error.message}\n`);
      return 0;
    }
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`tokens: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await database?.close();
  }
}

// PGlite and pg-boss can leave timers behind; the CLI is done when main is.
process.exit(await main());
