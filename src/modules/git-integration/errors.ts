import { AppError, conflict, notFound, type FieldIssue } from '../../lib/errors.js';
import { ProviderError } from '../../lib/git/providers/http.js';
import { GitCommandError } from '../../lib/git/run.js';

// Messages more than one feature of the module answers with, defined once.

const NOT_CONFIGURED = 'Git integration is not configured for this team';

/** 409: the team has no saved integration; `hint` says what to do instead of saving first. */
export const notConfigured = (hint = 'save it first (POST /api/git-integration)') => conflict(`${NOT_CONFIGURED}; ${hint}`);

/** 404 when a route acts on the saved integration itself (DELETE-like actions) and there is none. */
export const integrationNotFound = () => notFound(NOT_CONFIGURED);

/** 409: saved but switched off. */
export const integrationDisabled = () => conflict('Git integration is disabled for this team; enable it first');

/** 404 for a deploy key that is unknown or another team's (the same answer: ids reveal nothing across teams). */
export const sshKeyNotFound = () => notFound('SSH key not found');

export const operationNotFound = () => notFound('Git operation not found');

/** 409: the saved repository_url no longer passes the checks (`issue` says which). */
export const savedUrlRefused = (issue: string) => conflict(`The saved repository_url ${issue}; save a valid repository_url (POST /api/git-integration)`);

// Every variable the App needs: the server refuses to start with only some of them (env.ts).
const NO_GITHUB_APP = 'has no GitHub App configured (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET)';

/** 409: stored App credentials or an App route on a server without the App. */
export const noGithubApp = () => conflict(`This server ${NO_GITHUB_APP}`);

/** The same as a field issue of a request that sends App credentials. */
export const noGithubAppIssue = (): FieldIssue => ({ field: 'body.credentials', issue: `this server ${NO_GITHUB_APP}` });

/** Only messages we wrote or git/provider output that went through the sanitiser (isExpected) reach users (operations, refreshes). */
export function safeMessage(error: unknown): string {
  return isExpected(error) ? (error as Error).message : 'Internal error while running the git operation';
}

export function isExpected(error: unknown): boolean {
  return error instanceof GitCommandError || error instanceof ProviderError || (error instanceof AppError && error.status < 500);
}
