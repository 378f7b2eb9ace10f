import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../src/lib/paths.js';

// No Docker engine runs on the development and CI machines, so the image is never built here. What can be
// checked without one is checked: the compose file's structure (and, when a compose CLI is installed, its
// own validation), and the Dockerfile's stages, user, init, health check and what the runtime stage holds.

const composeFile = join(projectRoot, 'docker-compose.yml');
const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  ports?: unknown[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const compose = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };

/** The compose CLI on this machine, if any: the v2 plugin (`docker compose`) or the standalone `docker-compose`. */
function composeCli(): string[] | null {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(command[0]!, [...command.slice(1), 'version'], { stdio: 'ignore' });
    if (probe.status === 0) return command;
  }
  return null;
}

describe('docker-compose.yml', () => {
  it('runs the server image built from this Dockerfile against PostgreSQL, after PostgreSQL is healthy', () => {
    const { postgres, server } = compose.services;
    expect(postgres?.image).toMatch(/^postgres:\d+/);
    expect(postgres?.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(server?.build).toBeDefined();
    expect(server?.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(server?.environment?.DATABASE_URL).toMatch(/^postgresql:\/\/[^@]+@postgres:5432\//);
    expect(server?.ports).toEqual(['4000:4000']);
    for (const volume of [...(postgres?.volumes ?? []), ...(server?.volumes ?? [])]) {
      expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
    }
  });

  it('keeps PostgreSQL on the compose network and no password or key in the file', () => {
    const { postgres, server } = compose.services;
    expect(postgres?.ports).toBeUndefined();
    expect(postgres?.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(server?.environment?.DATABASE_URL).toContain('${POSTGRES_PASSWORD}');
    // Required, never an empty default: without the key each container would make its own.
    expect(server?.environment?.GIT_CREDENTIALS_KEY).toMatch(/^\$\{GIT_CREDENTIALS_KEY:\?/);
  });

  it('is valid for the compose CLI, when one is installed', (context) => {
    const cli = composeCli();
    if (!cli) {
      console.warn('docker-compose.yml: no compose CLI here (neither `docker compose` nor `docker-compose`); only its structure was checked');
      context.skip();
      return;
    }
    const env = { ...process.env, POSTGRES_PASSWORD: 'test-password', GIT_CREDENTIALS_KEY: 'test-key' };
    const config = execFileSync(cli[0]!, [...cli.slice(1), '-f', composeFile, 'config'], { env, encoding: 'utf8' });
    const resolved = parse(config) as { services: Record<string, Service> };
    expect(resolved.services.server?.environment?.DATABASE_URL).toBe('postgresql://specsync:test-password@postgres:5432/specsync');
    // Without the required values the CLI refuses, naming them.
    const { POSTGRES_PASSWORD: _p, GIT_CREDENTIALS_KEY: _k, ...bare } = process.env;
    const refused = spawnSync(cli[0]!, [...cli.slice(1), '-f', composeFile, 'config'], { env: bare, encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/POSTGRES_PASSWORD|GIT_CREDENTIALS_KEY/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('has a build stage and a runtime stage, both on node:24-bookworm-slim', () => {
    expect(stages).toHaveLength(2);
    for (const stage of stages) expect(stage).toMatch(/^node:24-bookworm-slim AS \w+/);
    expect(stages[0]).toContain('npm run build');
  });

  it('runtime: production dependencies, the compiled code and the migrations only, as a non-root user under tini', () => {
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(runtime).toMatch(/COPY prisma\/migrations/);
    expect(runtime).not.toMatch(/COPY (\. |src)/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/ENTRYPOINT \["\/usr\/bin\/tini", "--"\]/);
    expect(runtime).toMatch(/CMD \["node",.*"dist\/server\.js"\]/);
  });

  it('checks health on /_ready', () => {
    expect(runtime).toMatch(/HEALTHCHECK [^\n]*\\\n\s+CMD .*\/_ready/);
  });

  it('the token CLI the README runs in the image is part of the compiled code', () => {
    const build = readFileSync(join(projectRoot, 'tsconfig.build.json'), 'utf8');
    expect(JSON.parse(build).include).toContain('src');
    expect(readFileSync(join(projectRoot, 'src/cli/tokens.ts'), 'utf8')).not.toMatch(/from 'tsx/);
  });
});
