import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { copyPgliteTemplate } from '../helpers/pglite-template.js';

// PGlite accepts any user with any password, so whoever can reach the embedded
// database's socket can rewrite tokens and scopes. The only door is a Unix socket
// in a directory only the server's user can enter; no TCP port is ever opened.

const run = promisify(execFile);

/** Where pg (and so Prisma and pg-boss) connects for this URL. */
function target(url: string): { path: string } | { host: string; port: number } {
  const client = new pg.Client({ connectionString: url });
  return client.host.startsWith('/') ? { path: `${client.host}/.s.PGSQL.${client.port}` } : { host: client.host, port: client.port };
}

/** The inodes of TCP sockets in LISTEN state that this process holds. */
async function listeningTcpInodes(): Promise<Set<string>> {
  const ours = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const link = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode) ours.add(inode);
  }
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const columns = line.trim().split(/\s+/);
      if (columns[3] === '0A' && ours.has(columns[9]!)) listening.add(columns[9]!);
    }
  }
  return listening;
}

/** Opens a connection to `url`'s database from a separate process running as `uid`. */
async function connectAs(uid: number, url: string): Promise<string> {
  const script = `const s=require('net').connect(JSON.parse(process.argv[1]));s.on('connect',()=>{process.stdout.write('connected');s.destroy()});s.on('error',(e)=>process.stdout.write(e.code||'error'))`;
  const { stdout } = await run(process.execPath, ['-e', script, JSON.stringify(target(url))], { uid, gid: uid, cwd: '/', timeout: 10_000 });
  return stdout;
}

const onLinux = process.platform === 'linux';
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe('embedded database access', () => {
  let dataDir: string;
  let embedded: EmbeddedPostgres;
  let listenersBefore: Set<string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-socket-'));
    await copyPgliteTemplate(join(dataDir, 'pg'));
    if (onLinux) listenersBefore = await listeningTcpInodes();
    embedded = await startEmbeddedPostgres({ dataDir });
  });
  afterAll(async () => {
    await embedded?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is served on a Unix socket in a directory only its user can enter', async () => {
    const where = target(embedded.url);
    expect(where).toEqual({ path: join(dataDir, 'socket', '.s.PGSQL.5432') });
    expect((await stat(join(dataDir, 'socket'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, 'socket', '.s.PGSQL.5432'))).isSocket()).toBe(true);

    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });

  it.skipIf(!onLinux)('opens no TCP listener', async () => {
    const added = [...(await listeningTcpInodes())].filter((inode) => !listenersBefore.has(inode));
    expect(added).toEqual([]);
  });

  // As root the tests cannot be refused by file permissions themselves; a child process
  // running as another user (nobody) stands for "any other local process".
  it.skipIf(!asRoot)('refuses a connection from a process of another user', async () => {
    expect(await connectAs(0, embedded.url)).toBe('connected'); // the probe itself works
    expect(await connectAs(NOBODY, embedded.url)).toBe('EACCES');
  });
});

describe('embedded database socket placement', () => {
  it('falls back to a private temp directory when DATA_DIR is too deep for a socket path, and removes it on close', async () => {
    const base = await mkdtemp(join(tmpdir(), 'embedded-deep-'));
    const dataDir = join(base, 'd'.repeat(120));
    await copyPgliteTemplate(join(dataDir, 'pg'));
    const embedded = await startEmbeddedPostgres({ dataDir });
    try {
      expect(embedded.socketDir.startsWith(tmpdir())).toBe(true);
      expect((await stat(embedded.socketDir)).mode & 0o777).toBe(0o700);
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      await client.end();
    } finally {
      await embedded.close();
    }
    await expect(stat(embedded.socketDir)).rejects.toMatchObject({ code: 'ENOENT' });
    await rm(base, { recursive: true, force: true });
  });

  it('replaces a socket file left behind by a crashed process, and tightens an existing socket directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'embedded-stale-'));
    await copyPgliteTemplate(join(dataDir, 'pg'));
    await mkdir(join(dataDir, 'socket'), { mode: 0o755 });
    await writeFile(join(dataDir, 'socket', '.s.PGSQL.5432'), 'stale');
    const embedded = await startEmbeddedPostgres({ dataDir });
    try {
      expect((await stat(join(dataDir, 'socket'))).mode & 0o777).toBe(0o700);
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      await client.end();
    } finally {
      await embedded.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
