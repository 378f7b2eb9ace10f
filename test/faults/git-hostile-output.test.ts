import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { GitRemotes } from '../helpers/git-remotes.js';
import { gitTestEnv, waitForOperation } from '../modules/git-integration/helpers.js';

// A remote decides what git prints: its hooks' output reaches the server as
// `remote:` lines on git's stderr, which the server sanitises before storing the
// error. A line crafted against backtracking regexes (60 KB of "a.a.a." makes
// `\b[a-z][a-z0-9+.-]*://` retry from every word start) froze the event loop for
// seconds. The server must keep answering while it handles such output.

const HOSTILE_LINES = [
  // A credential header followed by 60 KB of blanks and no value.
  'printf "authorization:"; head -c 60000 /dev/zero | tr "\\0" " "; echo',
  // Last, so it is inside the 64 KB of stderr the server keeps: 30,000 × "a." = 60 KB, one line, no "://".
  'yes a. | head -n 30000 | tr -d "\\n"; echo',
];

describe('a remote whose hook prints hostile lines', { timeout: 120_000 }, () => {
  let remotes: GitRemotes;
  let t: TestApp;
  let auth = '';

  const post = (path: string, body: object) => t.http().post(`/api${path}`).set('authorization', auth).send(body);

  beforeAll(async () => {
    remotes = new GitRemotes();
    const bare = remotes.createBare('acme/loud', { files: { 'README.md': 'x\n' } });
    const hook = join(bare, 'hooks', 'pre-receive');
    writeFileSync(hook, `#!/bin/sh\n${HOSTILE_LINES.map((line) => `(${line}) >&2`).join('\n')}\necho "fatal: not today" >&2\nexit 1\n`);
    chmodSync(hook, 0o755);
    t = await createTestApp({ jobs: true, env: gitTestEnv({ GIT_PUSH_MAX_ATTEMPTS: '1' }) });
    auth = `Bearer ${await t.token({ team: 'loud-remote', user: 'lou', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
    const config = { provider: 'generic', repository_url: remotes.fileUrl('acme/loud'), default_branch: 'main', path_prefix: 'pipelines/', author_name: 'Bot', author_email: 'bot@example.com' };
    expect((await post('/git-integration', config)).status).toBe(200);
    expect((await post('/pipelines', { name: 'alpha', definition: { name: 'alpha' } })).status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    remotes?.close();
  });

  it('a push whose pre-receive hook prints them fails with a short, clean message', async () => {
    const headBefore = remotes.head('acme/loud', 'main');
    const res = await post('/git-integration/push', { message: 'Loud' });
    expect(res.status).toBe(202);
    const operation = await waitForOperation(t, auth, res.body.data.operation_id as string, 60_000);
    expect(operation.status).toBe('failed');
    expect(operation.error!.length).toBeLessThan(1_000);
    expect(operation.error).not.toMatch(/(a\.){300}/);
    expect(remotes.head('acme/loud', 'main')).toBe(headBefore);
  });
});
