// The SQL floor of a request: the statements the server sends to PostgreSQL for it, captured
// at run time from the server's own code, then replayed by plain `pg` clients with no HTTP,
// no ORM and no JSON in between. Captured, not written down, so the floor follows every change
// to the route's SQL (fewer round trips, a different statement shape) without being edited.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';

interface Statement {
  text: string;
  name?: string;
  values: unknown[];
}

/**
 * Every statement sent through any pg client of this process while `run` runs. The run must
 * be the only database work in the process meanwhile (the bench is sequential there).
 */
export async function captureStatements(run: () => Promise<void>): Promise<Statement[]> {
  const captured: Statement[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first, second] = args;
    const config = typeof first === 'string' ? { text: first } : (first as { text: string; name?: string; values?: unknown[] });
    const values = Array.isArray(second) ? second : (config.values ?? []);
    captured.push({ text: config.text, ...(config.name ? { name: config.name } : {}), values: [...values] });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await run();
  } finally {
    pg.Client.prototype.query = original;
  }
  return captured;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
/**
 * Ids, hashes and times inside a value or a statement's text: uuids, runs of 16 or more hex
 * digits, ISO timestamps (the request's "now" written into a statement).
 */
const TOKENS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{16,}\b|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/gi;

/** A value of the same form as `value` (a uuid, hex of that length, the time now), new each call. */
function freshLike(value: string): string {
  if (UUID.test(value)) return randomUUID();
  if (ISO_TIME.test(value)) return new Date().toISOString();
  return randomBytes(Math.ceil(value.length / 2)).toString('hex').slice(0, value.length);
}

/**
 * One replay's new values: the same old value gets the same new one within a request, so an id
 * inserted by one statement and referenced by the next stays consistent, and so does the commit.
 */
type Fresh = (old: string) => string;
type Vary = ((fresh: Fresh) => unknown) | null;

/** A text's ids and hashes that the second request has and the first has not are new per replay. */
function varyString(before: unknown, after: string): ((fresh: Fresh) => string) | null {
  const old = new Set(typeof before === 'string' ? (before.match(TOKENS) ?? []) : []);
  const renewed = new Set((after.match(TOKENS) ?? []).filter((token) => !old.has(token)));
  if (renewed.size === 0) return null; // e.g. a timestamp: replayed as is
  return (fresh) => after.replace(TOKENS, (token) => (renewed.has(token) ? fresh(token) : token));
}

/** How a value that differed between the two captured requests is made new for each replay. */
function varyValue(before: unknown, after: unknown): Vary {
  if (JSON.stringify(before) === JSON.stringify(after)) return null;
  if (after instanceof Date) return () => new Date();
  if (typeof after === 'string') return varyString(before, after);
  if (Array.isArray(after)) {
    const items = after.map((item, i) => varyValue(Array.isArray(before) && before.length === after.length ? before[i] : undefined, item));
    return (fresh) => after.map((item, i) => (items[i] ? items[i]!(fresh) : item));
  }
  return null; // a count, a flag: replayed as the second request sent it
}

/** One request's statements, with what changes from one request to the next made fresh per replay. */
export interface StatementTemplate {
  statements: Statement[];
  /** Per statement: how to make its text new (values written into it as literals), or null. */
  texts: (((fresh: Fresh) => string) | null)[];
  /** Per statement, per value: null to send it as captured, else how to make it new. */
  varying: Vary[][];
}

/**
 * Compares the statements of two requests of the same kind (e.g. two pushes that differ by their
 * commit): what is the same in both is replayed as is (the team, the branch, the specs); the ids
 * and hashes that differ (the commit, a new row's id, a digest), in a bind value or written into
 * the statement's text, get new values per replay. Statements about API tokens are left out: the
 * server caches a token after its first use.
 */
export function statementTemplate(first: Statement[], second: Statement[]): StatementTemplate {
  const keep = (s: Statement) => !/\bapi_tokens\b/.test(s.text);
  const a = first.filter(keep);
  const b = second.filter(keep);
  // Counters the request read (a version it saw) may differ too; they are replayed as the second
  // request sent them, so a statement comparing one with the database's current value may then
  // take its other branch (e.g. skip a cache row): the floor errs on the fast side there.
  const shape = (s: Statement) => s.text.replace(TOKENS, '?').replace(/\b\d+\b/g, '#');
  if (a.length !== b.length || a.some((s, i) => shape(s) !== shape(b[i]!))) {
    const at = a.findIndex((s, i) => !b[i] || shape(s) !== shape(b[i]!));
    const [x, y] = [a[at] ? shape(a[at]!) : '', b[at] ? shape(b[at]!) : ''];
    let from = 0;
    while (from < x.length && x[from] === y[from]) from++;
    const around = (t: string) => t.slice(Math.max(0, from - 120), from + 120).replace(/\s+/g, ' ');
    throw new Error(`two requests of the same kind sent different statements (${a.length} vs ${b.length}; #${at + 1} differs at ${from}: ${around(x)} | ${around(y)}); cannot replay them`);
  }
  return {
    // A statement whose text changes cannot keep a name: a name stands for one text per connection.
    statements: b.map((s, i) => (s.text === a[i]!.text ? s : { text: s.text, values: s.values })),
    texts: b.map((s, i) => varyString(a[i]!.text, s.text)),
    varying: b.map((s, i) => s.values.map((v, j) => varyValue(a[i]!.values[j], v))),
  };
}

export interface FloorResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  statementsPerRequest: number;
}

/**
 * Replays the templates (one picked at random per request: several branches, say) from
 * `concurrency` callers at once for `seconds`, each request on one connection of a pool of
 * `poolSize` (the server's request pool size).
 */
export async function replayFloor(
  url: string,
  templates: StatementTemplate[],
  opts: { concurrency: number; poolSize: number; seconds: number; firstOnConnection?: StatementTemplate },
): Promise<FloorResult> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize, application_name: 'bench-floor' });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const one = async (pinned?: { client: pg.PoolClient; template: StatementTemplate }) => {
    const template = pinned?.template ?? templates[Math.floor(Math.random() * templates.length)]!;
    const renewed = new Map<string, string>();
    const fresh: Fresh = (old) => renewed.get(old) ?? renewed.set(old, freshLike(old)).get(old)!;
    const client = pinned?.client ?? (await pool.connect());
    let broken = false;
    try {
      for (const [i, s] of template.statements.entries()) {
        const values = s.values.map((v, j) => {
          const vary = template.varying[i]![j];
          return vary ? vary(fresh) : v;
        });
        await client.query({ text: template.texts[i]?.(fresh) ?? s.text, values, ...(s.name ? { name: s.name } : {}) });
      }
    } catch (error) {
      broken = true;
      errors++;
      firstError ??= error instanceof Error ? error.message : String(error);
      await client.query('ROLLBACK').catch(() => undefined);
    } finally {
      if (!pinned) client.release(broken);
    }
  };
  try {
    // Every connection first sends what a connection's first request sends (statements it prepares once).
    const clients = await Promise.all(Array.from({ length: opts.poolSize }, () => pool.connect()));
    for (const client of clients) await one({ client, template: opts.firstOnConnection ?? templates[0]! });
    for (const client of clients) client.release();
    const until = performance.now() + opts.seconds * 1000;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < until) {
          const started = performance.now();
          await one();
          latencies.push(performance.now() - started);
        }
      }),
    );
  } finally {
    await pool.end();
  }
  const sorted = latencies.sort((x, y) => x - y);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)] ?? 0);
  return {
    requests: latencies.length,
    rps: latencies.length / opts.seconds,
    p50: at(0.5),
    p99: at(0.99),
    errors,
    ...(firstError ? { firstError } : {}),
    statementsPerRequest: templates[0]!.statements.length,
  };
}
