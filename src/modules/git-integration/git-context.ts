import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { PrismaClient } from '../../db/handles.js';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import { conflict } from '../../lib/errors.js';
import type { GitAuth } from '../../lib/git/auth.js';
import { GitRepository } from '../../lib/git/repository.js';
import { KeyedLock } from '../../lib/keyed-lock.js';
import type { PinnedRemote } from '../../lib/net/remote-target.js';
import type { HostResolver } from '../../lib/net/resolver.js';
import { installationTokenFor } from './github-app/access.js';
import { requireInstallationLinked } from './github-app/service.js';
import { loadGitIntegration, type GitIntegration } from './settings/store.js';
import { requireSavedRemote } from './settings/repository-url.js';
import { integrationDisabled, noGithubApp, notConfigured } from './errors.js';

// What every git operation of a team needs: the stored integration, credentials
// usable by git (a GitHub App becomes an installation token), and the team's
// local clone, a cache under DATA_DIR/git/<teamId> that can be deleted at any time.

export interface GitDeps {
  prisma: PrismaClient;
  secrets: SecretBox;
  config: Config;
  /** Host name resolution (buildApp's `resolver`): every operation resolves and checks its remote again. */
  resolver: HostResolver;
}

/** The module's dependencies from its Fastify context (after the secrets plugin). app.db is read lazily: the OpenAPI generator builds the app without a database. */
export function gitDepsOf(app: FastifyInstance): GitDeps {
  return {
    get prisma() {
      return app.db.prisma;
    },
    secrets: app.gitSecrets,
    config: app.config,
    resolver: app.resolver,
  };
}

/** What reads need to ask for a fresh remote view (refresh/service.ts). */
export interface RefreshDeps {
  prisma: PrismaClient;
  jobs: JobRunner | null;
  log: FastifyBaseLogger;
  /** GIT_REMOTE_REFRESH_SECONDS */
  staleAfterSeconds: number;
}

export function refreshDepsOf(app: FastifyInstance, log: FastifyBaseLogger): RefreshDeps {
  return {
    get prisma() {
      return app.db.prisma;
    },
    jobs: app.jobs,
    log,
    staleAfterSeconds: app.config.gitIntegration.operations.remoteRefreshSeconds,
  };
}

function gitDataDir(config: Config): string {
  return join(config.database.dataDir, 'git');
}

export function cloneDir(config: Config, teamId: string): string {
  return join(gitDataDir(config), teamId);
}

function gitTimeouts(config: Config) {
  const { networkTimeoutMs, localTimeoutMs } = config.gitIntegration.operations;
  return { networkMs: networkTimeoutMs, localMs: localTimeoutMs };
}

export function allowedProtocols(config: Config): string[] {
  return [...config.gitIntegration.allowedProtocols];
}

/** The team's enabled integration, or a 409 the UI can show as-is. */
export async function requireIntegration(deps: GitDeps, teamId: string): Promise<GitIntegration> {
  const integration = await loadGitIntegration(deps.prisma, teamId, deps.secrets);
  if (!integration) throw notConfigured();
  if (!integration.enabled) throw integrationDisabled();
  return integration;
}

/** Credentials for git and for the provider's REST API. */
export interface ResolvedGitAuth {
  git: GitAuth;
  apiToken: string | null;
  apiUsername?: string;
  /** Where apiToken may be sent, when the credential is bound to one API (a GitHub App's). */
  apiBaseUrl?: string;
}

export async function resolveGitAuth(deps: GitDeps, integration: GitIntegration): Promise<ResolvedGitAuth> {
  const credentials = integration.credentials;
  if (!credentials) return { git: null, apiToken: null };
  if (credentials.type === 'token') {
    return { git: { type: 'token', token: credentials.token, username: credentials.username }, apiToken: credentials.token, apiUsername: credentials.username };
  }
  if (credentials.type === 'ssh_key') return { git: { type: 'ssh_key', privateKey: credentials.privateKey }, apiToken: null };
  const app = deps.config.gitIntegration.githubApp;
  if (!app) throw noGithubApp();
  if (integration.provider !== 'github') throw conflict('GitHub App credentials need provider github; save the integration again');
  // Checked before anything is minted: the installation is linked to the team (a config saved before
  // links existed is refused, 409), and the token goes only to the App's git origin and API base.
  await requireInstallationLinked(deps.prisma, integration.teamId, credentials.installationId);
  const token = await installationTokenFor(app, deps.config.gitIntegration.operations.networkTimeoutMs, credentials, integration.repositoryUrl);
  return { git: { type: 'token', token, username: 'x-access-token' }, apiToken: token, apiBaseUrl: app.apiBaseUrl };
}

/**
 * The saved remote, parsed, resolved and checked again for this operation (a 409
 * when it no longer passes): git connects to `address` and is given `url.href`.
 */
export function requireTeamRemote(deps: GitDeps, integration: GitIntegration): Promise<PinnedRemote> {
  return requireSavedRemote(integration.repositoryUrl, deps.config.gitIntegration, deps.resolver);
}

/**
 * The team's clone. It knows no remote: fetch and push are given the checked remote's canonical URL
 * with the credentials prepared for it (ssh-keys/host-keys.ts withIntegrationGitAuth), never a URL from disk.
 */
export function openTeamRepository(config: Config, integration: GitIntegration): Promise<GitRepository> {
  return GitRepository.open(cloneDir(config, integration.teamId), gitTimeouts(config), allowedProtocols(config));
}

const cloneLocks = new KeyedLock();

/**
 * Runs `task` while nothing else of this process uses the team's clone: a push or pull, a
 * background refresh and a history fetch of one team take turns, so two git processes never
 * contend for the clone's ref locks (across instances each has its own DATA_DIR, hence its own clone).
 */
export function withTeamClone<T>(config: Config, teamId: string, task: () => Promise<T>): Promise<T> {
  return cloneLocks.run(cloneDir(config, teamId), task);
}

/** '' or a relative directory path ending in '/'. */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed ? `${trimmed}/` : '';
}
