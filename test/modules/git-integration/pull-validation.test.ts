import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import { prefixedId } from '../../../src/lib/ids.js';
import { gitTestEnv, waitForOperation, type Operation } from './helpers.js';

// A pulled pipeline file passes the same checks as POST /api/pipelines. Invalid files are
// skipped and reported with a reason; they never reach the database and never stop a later pull.

const TOKEN = 'tok_PullValidation_s3cret_0123456789';

const nested = (levels: number): object => {
  let value: object = { leaf: true };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
};
// 3,000 levels as raw text: building it as an object and stringifying it would work too, but
// the file is what matters and this is what a hostile commit contains.
const deepFile = (id: string) => `{"id":"${id}","name":"deep","definition":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`;
const file = (id: string, name: unknown, definition: unknown) => `${JSON.stringify({ definition, id, name }, null, 2)}\n`;

describe('pull: pipeline files are validated like POST /api/pipelines', { timeout: 90_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let server: HttpGitServer;
  let auth: string;

  const api = (method: 'get' | 'post', path: string, body?: object) => {
    const req = t.http()[method](`/api${path}`).set('authorization', auth);
    return body === undefined ? req : req.send(body);
  };
  const pull = async (): Promise<Operation> => {
    const res = await api('post', '/git-integration/pull', {});
    expect(res.status).toBe(202);
    return waitForOperation(t, auth, res.body.data.operation_id);
  };
  const skippedOf = (op: Operation) => Object.fromEntries(op.result.skipped.map((s: { path: string; reason: string; detail: string }) => [s.path, s]));

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/validated', { files: { 'README.md': '# pipelines\n' } });
    server = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw' });
    t = await createTestApp({ jobs: true, env: gitTestEnv() });
    auth = `Bearer ${await t.token({ team: 'pull-validation', user: 'ada', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
    const res = await api('post', '/git-integration', {
      enabled: true,
      provider: 'generic',
      repository_url: server.url('acme/validated'),
      default_branch: 'main',
      path_prefix: 'pipelines/',
      credentials: { type: 'token', token: TOKEN },
    });
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await t?.close();
    await server?.close();
    remotes?.close();
  });

  const good = prefixedId('pl');
  const edge = prefixedId('pl');
  // Brackets and escaped quotes inside strings are text, not nesting: the pre-parse depth scan skips them.
  const brackets = prefixedId('pl');
  const bracketText = `${'['.repeat(100)}\\"${'{'.repeat(100)}\\`;
  const bad = {
    nulInName: prefixedId('pl'),
    nulInDefinition: prefixedId('pl'),
    deep: prefixedId('pl'),
    bidiName: prefixedId('pl'),
    surrogateName: prefixedId('pl'),
    surrogateKey: prefixedId('pl'),
    numberName: prefixedId('pl'),
    arrayDefinition: prefixedId('pl'),
    missingName: prefixedId('pl'),
  };
  const bidiPath = `pipelines/${prefixedId('pl').slice(0, -4)}\u202Enosj.json`;

  it('stores the good files and skips every invalid one with its reason', async () => {
    remotes.commit(
      'acme/validated',
      'main',
      {
        [`pipelines/${good}.json`]: file(good, 'good', { steps: ['load'] }),
        // The deepest definition the API accepts (64 levels) is accepted from git too.
        [`pipelines/${edge}.json`]: file(edge, 'edge', nested(64)),
        [`pipelines/${brackets}.json`]: file(brackets, `name ${'['.repeat(70)}`, { text: bracketText }),
        // JSON escapes: the raw bytes hold no NUL and no invalid UTF-8, the parsed strings do.
        [`pipelines/${bad.nulInName}.json`]: `{"id":"${bad.nulInName}","name":"a\\u0000b","definition":{}}`,
        [`pipelines/${bad.nulInDefinition}.json`]: `{"id":"${bad.nulInDefinition}","name":"nul","definition":{"k":"x\\u0000y"}}`,
        [`pipelines/${bad.deep}.json`]: deepFile(bad.deep),
        [`pipelines/${bad.bidiName}.json`]: file(bad.bidiName, 'invoice\u202Efdp.exe', {}),
        [`pipelines/${bad.surrogateName}.json`]: `{"id":"${bad.surrogateName}","name":"half \\ud800","definition":{}}`,
        [`pipelines/${bad.surrogateKey}.json`]: `{"id":"${bad.surrogateKey}","name":"key","definition":{"\\udc00":1}}`,
        [`pipelines/${bad.numberName}.json`]: file(bad.numberName, 42, {}),
        [`pipelines/${bad.arrayDefinition}.json`]: file(bad.arrayDefinition, 'array', []),
        [`pipelines/${bad.missingName}.json`]: JSON.stringify({ definition: {} }),
        [bidiPath]: file('x', 'bidi file name', {}),
      },
      'Good and hostile pipeline files',
    );

    const op = await pull();
    expect(op.status).toBe('succeeded');
    expect([...op.result.created].sort()).toEqual([brackets, edge, good].sort());
    const skipped = skippedOf(op);
    const expectSkip = (id: string, reason: string, detail: RegExp) => expect(skipped[`pipelines/${id}.json`], id).toMatchObject({ reason, detail: expect.stringMatching(detail) });
    expectSkip(bad.nulInName, 'invalid_pipeline', /^name: must not contain control characters/);
    expectSkip(bad.nulInDefinition, 'invalid_pipeline', /^definition: must not contain NUL characters/);
    expectSkip(bad.deep, 'invalid_pipeline', /^definition: must not nest deeper than 64 levels/);
    expectSkip(bad.bidiName, 'invalid_pipeline', /^name: must not contain bidirectional control characters/);
    expectSkip(bad.surrogateName, 'invalid_pipeline', /^name: must not contain unpaired UTF-16 surrogates/);
    expectSkip(bad.surrogateKey, 'invalid_pipeline', /^definition: must not contain unpaired UTF-16 surrogates/);
    expectSkip(bad.numberName, 'invalid_pipeline', /^name: /);
    expectSkip(bad.arrayDefinition, 'invalid_pipeline', /^definition: /);
    expectSkip(bad.missingName, 'invalid_pipeline', /^name: /);
    expect(skipped[bidiPath]).toMatchObject({ reason: 'invalid_id' });
    // The file name is reported as the path; the detail never repeats it.
    expect(skipped[bidiPath].detail).not.toContain('\u202E');
    expect(Object.keys(skipped)).toHaveLength(Object.keys(bad).length + 1);

    expect((await api('get', `/pipelines/${good}`)).body.data).toMatchObject({ name: 'good', definition: { steps: ['load'] } });
    expect((await api('get', `/pipelines/${edge}`)).body.data.definition).toEqual(nested(64));
    expect((await api('get', `/pipelines/${brackets}`)).body.data.definition).toEqual({ text: bracketText });
    for (const id of Object.values(bad)) expect((await api('get', `/pipelines/${id}`)).status, id).toBe(404);
    const stored = await t.db.prisma.pipeline.count({ where: { team: { name: 'pull-validation' } } });
    expect(stored).toBe(3);
  });

  it('the API refuses the same content', async () => {
    for (const body of [
      { name: 'invoice\u202Efdp.exe', definition: {} },
      { name: 'a\u0000b', definition: {} },
      { name: 'half \ud800', definition: {} },
      { name: 'deep', definition: nested(65) },
      { name: 42, definition: {} },
      { name: 'array', definition: [] },
    ]) {
      expect((await api('post', '/pipelines', body)).status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
  });

  it('later pulls still sync the other files; a pipeline whose file turned invalid is kept until it is fixed', async () => {
    const another = prefixedId('pl');
    remotes.commit(
      'acme/validated',
      'main',
      {
        [`pipelines/${another}.json`]: file(another, 'another', { steps: ['extract'] }),
        // The synced pipeline's file breaks: the app keeps its pipeline (no soft delete).
        [`pipelines/${good}.json`]: file(good, 'good\u2066', { steps: ['load'] }),
      },
      'Add one file, break another',
    );
    const second = await pull();
    expect(second.status).toBe('succeeded');
    expect(second.result.created).toEqual([another]);
    expect(second.result.deleted).toEqual([]);
    expect(skippedOf(second)[`pipelines/${good}.json`]).toMatchObject({ reason: 'invalid_pipeline' });
    expect((await api('get', `/pipelines/${good}`)).body.data).toMatchObject({ name: 'good', definition: { steps: ['load'] } });

    // Fixing the files makes them sync like any other change.
    remotes.commit(
      'acme/validated',
      'main',
      {
        [`pipelines/${good}.json`]: file(good, 'good, fixed', { steps: ['load', 'check'] }),
        [`pipelines/${bad.bidiName}.json`]: file(bad.bidiName, 'invoice.pdf', {}),
        [`pipelines/${bad.deep}.json`]: file(bad.deep, 'shallow', nested(3)),
      },
      'Fix the files',
    );
    const third = await pull();
    expect(third.status).toBe('succeeded');
    expect(third.result.updated).toEqual([good]);
    expect([...third.result.created].sort()).toEqual([bad.bidiName, bad.deep].sort());
    expect((await api('get', `/pipelines/${good}`)).body.data).toMatchObject({ name: 'good, fixed', definition: { steps: ['load', 'check'] } });
    expect((await api('get', '/git-integration/status')).status).toBe(200);
  });

  it("a pulled file naming another team's pipeline id is imported like any new id: nothing tells whether that id exists", async () => {
    const other = `Bearer ${await t.token({ team: 'pull-validation-other', user: 'eve', scopes: ['pipelines:read', 'pipelines:write'] })}`;
    const created = await t.http().post('/api/pipelines').set('authorization', other).send({ name: 'theirs', definition: { secret: 'plan' } });
    expect(created.status).toBe(201);
    const theirs = created.body.data.id as string;
    const unused = prefixedId('pl');
    remotes.commit(
      'acme/validated',
      'main',
      {
        [`pipelines/${theirs}.json`]: file(theirs, 'same id, our pipeline', { steps: [1] }),
        [`pipelines/${unused}.json`]: file(unused, 'unused id, our pipeline', { steps: [1] }),
      },
      "Name another team's id",
    );
    const op = await pull();
    expect(op.status).toBe('succeeded');
    // Both ids are treated alike: created for this team, neither skipped.
    expect([...op.result.created].sort()).toEqual([theirs, unused].sort());
    const skipped = skippedOf(op);
    expect(skipped[`pipelines/${theirs}.json`]).toBeUndefined();
    expect(skipped[`pipelines/${unused}.json`]).toBeUndefined();
    expect((await api('get', `/pipelines/${theirs}`)).body.data).toMatchObject({ id: theirs, name: 'same id, our pipeline' });
    // The other team's pipeline is untouched and still its own.
    const theirsNow = await t.http().get(`/api/pipelines/${theirs}`).set('authorization', other);
    expect(theirsNow.body.data).toMatchObject({ name: 'theirs', definition: { secret: 'plan' }, version: 1 });
  });
});
