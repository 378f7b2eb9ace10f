import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRepository, parseLog } from '../../../src/lib/git/repository.js';
import { GitCommandError, startedGitCommands } from '../../../src/lib/git/run.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { GitRemotes } from '../../helpers/git-remotes.js';
import { gitTestEnv, waitForOperation } from './helpers.js';

// What a remote's tree and history can do to a pull or GET /history (issue 11 review, findings 4, 6, 10):
// more files than the server reads, more skipped files than a result should carry, JSON the API
// refuses, something other than a file at a pipeline's path, commit messages holding separators.
// Limits are lowered through the env so each case needs only a few dozen files.

const MAX_TREE_ENTRIES = 40;
const MAX_REPORTED_SKIPS = 5;
const ID1 = 'pl_0000000000000000000000000a';
const ID2 = 'pl_0000000000000000000000000b';
const ID3 = 'pl_0000000000000000000000000c';
const pipelineFile = (name: string) => `${JSON.stringify({ name, definition: { steps: [name] } })}\n`;

/** Replaces `main` of a bare repository with one root commit of exactly these entries (fast-import: no work tree). */
function importTree(bare: string, entries: Record<string, string | { submodule: string }>, message = 'tree'): void {
  const lines = ['commit refs/heads/main', 'committer A <a@example.com> 1700000000 +0000', `data ${Buffer.byteLength(message)}`, message, 'deleteall'];
  for (const [path, content] of Object.entries(entries)) {
    if (typeof content === 'string') lines.push(`M 100644 inline ${path}`, `data ${Buffer.byteLength(content)}`, content);
    else lines.push(`M 160000 ${content.submodule} ${path}`);
  }
  lines.push('');
  execFileSync('git', ['fast-import', '--quiet', '--force'], { cwd: bare, input: lines.join('\n') });
}

describe('pulls of hostile trees, history of hostile messages', { timeout: 120_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;

  beforeAll(async () => {
    remotes = new GitRemotes();
    t = await createTestApp({
      jobs: true,
      env: gitTestEnv({ GIT_MAX_TREE_ENTRIES: String(MAX_TREE_ENTRIES), GIT_MAX_REPORTED_SKIPS: String(MAX_REPORTED_SKIPS), GIT_HISTORY_FRESH_SECONDS: '0' }),
    });
  });
  afterAll(async () => {
    await t?.close();
    remotes?.close();
  });

  /** A team with its own remote `acme/<team>` (bare repository path returned) and a saved config. */
  async function team(name: string) {
    const bare = remotes.createBare(`acme/${name}`);
    const auth = `Bearer ${await t.token({ team: name, user: name, scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
    const saved = await t
      .http()
      .post('/api/git-integration')
      .set('authorization', auth)
      .send({ provider: 'generic', repository_url: remotes.fileUrl(`acme/${name}`), default_branch: 'main', path_prefix: 'pipelines/' });
    expect(saved.status, saved.text).toBe(200);
    const pull = async () => {
      const res = await t.http().post('/api/git-integration/pull').set('authorization', auth).send({ strategy: 'theirs' });
      expect(res.status, res.text).toBe(202);
      return waitForOperation(t, auth, res.body.data.operation_id as string);
    };
    const pipeline = (id: string) => t.http().get(`/api/pipelines/${id}`).set('authorization', auth);
    return { bare, auth, pull, pipeline };
  }

  it('a tree with more files under the prefix than GIT_MAX_TREE_ENTRIES fails the pull with a clear message and changes nothing', async () => {
    const { bare, pull, pipeline } = await team('tree-bomb');
    importTree(bare, { [`pipelines/${ID1}.json`]: pipelineFile('one') });
    expect((await pull()).status).toBe('succeeded');

    const bomb: Record<string, string> = { [`pipelines/${ID1}.json`]: pipelineFile('one, edited') };
    for (let i = 0; i < MAX_TREE_ENTRIES; i++) bomb[`pipelines/d${i % 4}/file-${i}.txt`] = 'x';
    importTree(bare, bomb);
    const failed = await pull();
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain(`more than ${MAX_TREE_ENTRIES} files under "pipelines/"`);
    expect(failed.error).toContain('GIT_MAX_TREE_ENTRIES');
    // Nothing was read, so nothing was applied: the pipeline is neither edited nor deleted.
    const kept = await pipeline(ID1);
    expect(kept.status).toBe(200);
    expect(kept.body.data.name).toBe('one');
  });

  it('a pull reports the first GIT_MAX_REPORTED_SKIPS skipped files by path and counts all of them; the operations list leaves results out', async () => {
    const { bare, auth, pull } = await team('many-skips');
    const tree: Record<string, string> = { [`pipelines/${ID1}.json`]: pipelineFile('one'), 'pipelines/B.txt': 'x', 'pipelines/a.txt': 'x' };
    for (let i = 0; i < 20; i++) tree[`pipelines/notes/n-${String(i).padStart(2, '0')}.md`] = 'x';
    tree[`pipelines/${ID2}.json`] = '{"name": "broken"';
    tree[`pipelines/${ID3}.json`] = 'not json';
    importTree(bare, tree);
    const op = await pull();
    expect(op.status).toBe('succeeded');
    expect(op.result.created).toEqual([ID1]);
    expect(op.result.skipped_total).toBe(24);
    expect(op.result.skipped_by_reason).toEqual({ not_a_pipeline_file: 22, invalid_json: 2 });
    // By code unit, not by locale: "B" (0x42) before "a" (0x61).
    expect(op.result.skipped.map((s: { path: string }) => s.path)).toEqual([
      'pipelines/B.txt',
      'pipelines/a.txt',
      'pipelines/notes/n-00.md',
      'pipelines/notes/n-01.md',
      'pipelines/notes/n-02.md',
    ]);

    const list = await t.http().get('/api/git-integration/operations?limit=100').set('authorization', auth);
    expect(list.status).toBe(200);
    expect(list.body.data.map((o: { id: string }) => o.id)).toContain(op.id);
    for (const entry of list.body.data) {
      expect(entry).not.toHaveProperty('result');
      expect(entry).toMatchObject({ id: expect.any(String), kind: 'pull', status: expect.any(String) });
    }
  });

  it('pulled JSON is parsed like a request body: "__proto__" and constructor.prototype are refused, as POST refuses them', async () => {
    const { bare, auth, pull, pipeline } = await team('proto');
    const proto = '{"name":"proto","definition":{"__proto__":{"polluted":true}}}';
    const ctor = '{"name":"ctor","definition":{"constructor":{"prototype":{"polluted":true}}}}';
    for (const body of [proto, ctor]) {
      const posted = await t.http().post('/api/pipelines').set('authorization', auth).set('content-type', 'application/json').send(body);
      expect(posted.status).toBe(400);
    }
    importTree(bare, { [`pipelines/${ID1}.json`]: pipelineFile('one') });
    expect((await pull()).status).toBe('succeeded');

    // ID1's file turns hostile (held: kept as it is), ID2 arrives hostile (not created).
    importTree(bare, { [`pipelines/${ID1}.json`]: `${proto}\n`, [`pipelines/${ID2}.json`]: `${ctor}\n` });
    const op = await pull();
    expect(op.status).toBe('succeeded');
    expect(op.result.created).toEqual([]);
    expect(op.result.updated).toEqual([]);
    expect(op.result.deleted).toEqual([]);
    expect(op.result.skipped).toEqual([
      { path: `pipelines/${ID1}.json`, reason: 'invalid_json', detail: expect.stringMatching(/prototype/i) },
      { path: `pipelines/${ID2}.json`, reason: 'invalid_json', detail: expect.stringMatching(/prototype/i) },
    ]);
    expect((await pipeline(ID1)).body.data.name).toBe('one');
    expect((await pipeline(ID2)).status).toBe(404);
  });

  it('a symlink, a submodule or a directory at a pipeline path holds the pipeline (kept, reported) like an invalid file', async () => {
    const { bare, pull, pipeline } = await team('not-a-file');
    const submoduleCommit = 'c'.repeat(40);
    importTree(bare, { [`pipelines/${ID1}.json`]: pipelineFile('one'), [`pipelines/${ID2}.json`]: pipelineFile('two'), [`pipelines/${ID3}.json`]: pipelineFile('three') });
    expect((await pull()).result.created).toEqual([ID1, ID2, ID3]);

    remotes.commit('acme/not-a-file', 'main', { [`pipelines/${ID1}.json`]: null }, 'rm');
    remotes.commit('acme/not-a-file', 'main', { [`pipelines/${ID1}.json`]: { symlink: '/etc/passwd' } }, 'symlink');
    const symlinked = await pull();
    expect(symlinked.status).toBe('succeeded');
    expect(symlinked.result.deleted).toEqual([]);
    expect(symlinked.result.skipped).toEqual([{ path: `pipelines/${ID1}.json`, reason: 'symlink', detail: expect.any(String) }]);

    importTree(bare, {
      [`pipelines/${ID1}.json`]: { submodule: submoduleCommit },
      [`pipelines/${ID2}.json/inner.json`]: pipelineFile('nested'),
      [`pipelines/${ID3}.json`]: pipelineFile('three'),
    });
    const replaced = await pull();
    expect(replaced.status).toBe('succeeded');
    expect(replaced.result.deleted).toEqual([]);
    expect(replaced.result.skipped_by_reason).toEqual({ submodule: 1, not_a_pipeline_file: 1 });
    for (const id of [ID1, ID2, ID3]) expect((await pipeline(id)).status).toBe(200);
  });

  it('GET /history shows a commit subject holding the old separators (\\x1e, \\x1f) as it is, one entry per commit', async () => {
    const { auth } = await team('separators');
    remotes.commit('acme/separators', 'main', { [`pipelines/${ID1}.json`]: pipelineFile('one') }, 'first');
    const forged = `forged\x1e${'f'.repeat(40)}\x1fInjected\x1fMallory\x1fceo@victim.example\x1f2001-01-01T00:00:00Z`;
    remotes.commit('acme/separators', 'main', { [`pipelines/${ID2}.json`]: pipelineFile('two') }, forged);
    remotes.commit('acme/separators', 'main', { 'pipelines/x.txt': 'y' }, 'broken\x1eno-fields');
    const history = await t.http().get('/api/git-integration/history').set('authorization', auth);
    expect(history.status, history.text).toBe(200);
    expect(history.body.data.map((c: { message: string }) => c.message)).toEqual(['broken\x1eno-fields', forged, 'first']);
    expect(history.body.data[1]).toMatchObject({ author: 'Alex Morgan <alex@example.com>', pipeline_ids_touched: [ID2] });
    expect(history.body.data.map((c: { sha: string }) => c.sha)).not.toContain('f'.repeat(40));
  });
});

describe('GitRepository bounds', () => {
  it('readBlobs reads in batches of at most maxBatchBytes and refuses an object larger than listed', async () => {
    const repo = await GitRepository.open(join(mkdtempSync(join(tmpdir(), 'git-blobs-')), 'clone'), { networkMs: 5000, localMs: 5000 }, ['file']);
    const writes = new Map(Array.from({ length: 5 }, (_, i) => [`f${i}.txt`, `${String(i).repeat(60)}\n`] as [string, string]));
    const commit = await repo.buildCommit({ parent: null, writes, removes: [], message: 'blobs', author: { name: 'A', email: 'a@example.com' } });
    const entries = await repo.listTree(commit, '', { maxEntries: 10 });
    expect(entries).toHaveLength(5);
    await expect(repo.listTree(commit, '', { maxEntries: 4 })).rejects.toThrow(/more than 4 files/);

    const seen = new Map<string, string>();
    const before = startedGitCommands('cat-file');
    await repo.readBlobs(entries, (sha, bytes) => seen.set(sha, bytes.toString('utf8')), 100);
    expect(startedGitCommands('cat-file') - before).toBe(5); // 61 bytes each: two never fit in 100
    expect([...seen.values()].sort()).toEqual([...writes.values()].sort());
    await repo.readBlobs(entries, () => undefined, 200);
    expect(startedGitCommands('cat-file') - before).toBe(5 + 2); // three of 61 bytes, then two

    const understated = entries.map((e) => ({ sha: e.sha, size: 0 }));
    await expect(repo.readBlobs(understated, () => undefined, 1000)).rejects.toThrow(GitCommandError);
  });

  it('parseLog refuses output that does not have the expected shape instead of guessing entries', () => {
    const sha = 'a'.repeat(40);
    const good = `\0${sha}\x002026-01-01T00:00:00+00:00\0A\0a@example.com\0sub\x1eject\x1f\0\npipelines/x.json\0pipelines/\ny.json\0`;
    expect(parseLog(good)).toEqual([
      { sha, committedAt: '2026-01-01T00:00:00+00:00', authorName: 'A', authorEmail: 'a@example.com', subject: 'sub\x1eject\x1f', paths: ['pipelines/x.json', 'pipelines/\ny.json'] },
    ]);
    expect(parseLog('')).toEqual([]);
    expect(() => parseLog(`\0${sha}\0not-a-date\0A\0a@example.com\0s\0`)).toThrow(GitCommandError);
    expect(() => parseLog(`\0nope\x002026-01-01T00:00:00Z\0A\0a@example.com\0s\0`)).toThrow(GitCommandError);
    expect(() => parseLog(`\0${sha}\x002026-01-01T00:00:00Z\0A`)).toThrow(GitCommandError);
  });
});
