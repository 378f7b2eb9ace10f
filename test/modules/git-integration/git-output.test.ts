import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sanitizeGitOutput } from '../../../src/lib/git/sanitize.js';
import { GitCommandError, runGit, runGitText } from '../../../src/lib/git/run.js';

// What git prints is attacker-controlled (a remote's `remote:` lines): the sanitiser
// must scrub credentials from it and take time linear in its length; runGit must
// bound what it keeps of git's output and never hand back silently cut output.

describe('sanitizeGitOutput', () => {
  it('scrubs known secrets, URL user info, credential headers, provider tokens and private keys', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    const text = [
      'fatal: unable to access https://user:pa55word@example.com/x.git/',
      'remote: see ssh://deploy@git.example.com/y and https://a:b@c@example.com/z',
      '> Authorization: Basic dXNlcjpzM2NyZXQ=',
      '> Proxy-Authorization:    Bearer    opaque-value',
      'PRIVATE-TOKEN: glpat-opaque',
      'remote: token ghp_0123456789abcdefghijABCDEFGHIJ012345 and github_pat_11AAAAAAA0123456789_abcdefghij and glpat-0123456789abcdefghij',
      key,
      'error: the-known-s3cr3t leaked',
    ].join('\n');
    const out = sanitizeGitOutput(text, ['the-known-s3cr3t']);
    for (const leaked of ['pa55word', 'deploy@', 'a:b@', 'b@c', 'dXNlcjpzM2NyZXQ', 'opaque-value', 'glpat-opaque', 'ghp_0123', 'github_pat_11', 'glpat-0123', 'b3BlbnNzaC1rZXk', 'the-known-s3cr3t']) {
      expect(out).not.toContain(leaked);
    }
    expect(out).toContain('https://***@example.com/x.git/');
    expect(out).toContain('error: *** leaked');
  });

  it('scrubs a private key whose start or end is cut off, and keeps the tail of a long message', () => {
    expect(sanitizeGitOutput('b3BlbnNzaC1rZXk\n-----END RSA PRIVATE KEY-----\nfatal: done', [])).toBe('***; fatal: done');
    expect(sanitizeGitOutput('fatal: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB', [])).toBe('fatal: ***');
    const long = sanitizeGitOutput(`${'remote: noise\n'.repeat(10_000)}fatal: the real error`, []);
    expect(long.length).toBeLessThanOrEqual(501);
    expect(long.endsWith('fatal: the real error')).toBe(true);
  });

  it('never cuts a credential in half when only the tail of a long output is looked at', () => {
    // The cut lands inside the user info of the long line's URL: that line is dropped, not half-scrubbed.
    const out = sanitizeGitOutput(`https://user:${'p'.repeat(20_000)}@example.com/x\nfatal: failed`, []);
    expect(out).toBe('fatal: failed');
  });

  // Linear time: 1 MB of each shape that makes a backtracking pattern retry from every
  // position takes milliseconds; a quadratic one takes minutes. The bound is generous
  // for a loaded machine and still far below any quadratic run.
  const hostile: Record<string, string> = {
    'word starts before "://"': 'a.'.repeat(500_000),
    'dashes': 'a-'.repeat(500_000),
    'scheme without user info': `a://${'a'.repeat(1_000_000)}`,
    'many schemes': 'a://'.repeat(250_000),
    'header without value': `authorization:${' '.repeat(1_000_000)}`,
    'headers': 'authorization: basic '.repeat(50_000),
    'token prefixes': 'ghp_'.repeat(250_000),
    'token that never ends': `ghp_${'a'.repeat(1_000_000)}_`,
    'key markers without keys': '-----BEGIN '.repeat(100_000),
    'key ends without starts': '-----END RSA PRIVATE KEY-----'.repeat(40_000),
    'user info separators': '://@'.repeat(250_000),
  };
  for (const [name, text] of Object.entries(hostile)) {
    it(`handles 1 MB of ${name} in linear time`, () => {
      const started = performance.now();
      sanitizeGitOutput(`remote: ${text}\nfatal: x`, ['s3cr3t']);
      sanitizeGitOutput(text, []);
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  }
});

describe('runGit output limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'git-output-'));
  const options = { cwd: dir, timeoutMs: 15_000 };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails (instead of returning a cut answer) when standard output exceeds its cap', async () => {
    await runGit(['init', '--bare', '--quiet'], options);
    const sha = (await runGitText(['hash-object', '-w', '--stdin'], { ...options, input: 'x'.repeat(100_000) })).trim();
    const error = await runGit(['cat-file', '--batch'], { ...options, input: `${sha}\n`, maxStdoutBytes: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect((error as GitCommandError).message).toMatch(/more than 10000 bytes/);
    const whole = await runGit(['cat-file', '--batch'], { ...options, input: `${sha}\n` });
    expect(whole.stdout.length).toBeGreaterThan(100_000);
  });

  it('keeps the tail of a huge standard error: git\'s own last words', async () => {
    // A remote whose hook prints 8 MB before the line that matters.
    const remote = join(dir, 'remote.git');
    await runGit(['init', '--bare', '--quiet', remote], options);
    writeFileSync(join(remote, 'hooks', 'pre-receive'), '#!/bin/sh\nhead -c 8000000 /dev/zero | tr "\\0" "n" >&2\necho >&2\necho "the last line" >&2\nexit 1\n');
    chmodSync(join(remote, 'hooks', 'pre-receive'), 0o755);
    const tree = (await runGitText(['hash-object', '-t', 'tree', '-w', '--stdin'], { ...options, input: '' })).trim();
    const identity = { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' };
    const commit = (await runGitText(['commit-tree', tree, '-m', 'x'], { ...options, env: identity })).trim();
    const error = await runGit(['push', `file://${remote}`, `${commit}:refs/heads/main`], options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect((error as GitCommandError).message).toMatch(/the last line/);
    expect((error as GitCommandError).message.length).toBeLessThan(600);
  });
});

describe('the isolated HOME of git', () => {
  it('is one empty read-only directory per process, removed when the process exits', () => {
    const script = `import { baseGitEnv } from './src/lib/git/run.ts';
const home = baseGitEnv().HOME; if (baseGitEnv().HOME !== home) process.exit(2);
const { readdirSync, statSync } = await import('node:fs');
console.log(JSON.stringify({ home, entries: readdirSync(home).length, mode: statSync(home).mode & 0o777 }));`;
    const output = execFileSync(join(process.cwd(), 'node_modules/.bin/tsx'), ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const seen = JSON.parse(output.trim().split('\n').pop()!) as { home: string; entries: number; mode: number };
    expect(seen.home.startsWith(tmpdir())).toBe(true);
    expect(seen.entries).toBe(0);
    expect(seen.mode & 0o222).toBe(0);
    expect(existsSync(seen.home)).toBe(false);
    expect(() => statSync(seen.home)).toThrow();
  });
});
