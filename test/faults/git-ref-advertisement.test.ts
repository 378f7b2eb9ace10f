import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { gitTestEnv } from '../modules/git-integration/helpers.js';

// POST /test lists the remote's refs, and the remote decides how many it advertises. The probe asks
// for HEAD alone and reads at most 1 MB of git's answer: an advertisement of more than the 64 MB
// any git command may print (it was buffered whole, and then failed the probe) still gives a
// reachable remote and its default branch.

const ADVERTISED_BYTES = 70 * 1024 * 1024;

const pkt = (line: string) => (line.length + 4).toString(16).padStart(4, '0') + line;

/** A protocol v0 upload-pack advertisement: HEAD -> main, then branches until `bytes`. */
function advertisement(bytes: number): Buffer {
  const sha = 'a'.repeat(40);
  const parts = [pkt('# service=git-upload-pack\n'), '0000', pkt(`${sha} HEAD\0symref=HEAD:refs/heads/main agent=hostile\n`), pkt(`${sha} refs/heads/main\n`)];
  const padding = 'b'.repeat(150);
  for (let size = 0, i = 0; size < bytes; i++) {
    const line = pkt(`${sha} refs/heads/${padding}${i}\n`);
    parts.push(line);
    size += line.length;
  }
  parts.push('0000');
  return Buffer.from(parts.join(''));
}

describe('a remote advertising a huge number of refs', { timeout: 120_000 }, () => {
  let t: TestApp;
  let remote: Server;
  let url = '';

  beforeAll(async () => {
    const upload = advertisement(ADVERTISED_BYTES);
    remote = createServer((req, res) => {
      if (req.url?.includes('service=git-upload-pack')) {
        res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'cache-control': 'no-cache' }).end(upload);
      } else res.writeHead(403).end('no');
    });
    await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(remote.address() as AddressInfo).port}/acme/big.git`;
    t = await createTestApp({ env: gitTestEnv() });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => remote?.close(resolve));
  });

  it('POST /test reads only HEAD: reachable, default branch main, read-only', async () => {
    const auth = `Bearer ${await t.token({ team: 'refs-bomb', user: 'r', scopes: ['git:read', 'git:write'] })}`;
    const res = await t.http().post('/api/git-integration/test').set('authorization', auth).send({ repository_url: url });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ reachable: true, default_branch: 'main', permissions: ['read'] });
  });
});
