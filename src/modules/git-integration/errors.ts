import { conflict, notFound } from '../../lib/errors.js';

// Messages more than one feature of the module answers with, defined once.

/** 409: the team has no saved integration; `hint` says what to do instead of saving first. */
export const notConfigured = (hint = 'save it first (POST /api/git-integration)') => conflict(`Git integration is not configured for this team; ${hint}`);

/** 409: saved but switched off. */
export const integrationDisabled = () => conflict('Git integration is disabled for this team; enable it first');

/** 404 for a deploy key that is unknown or another team's (the same answer: ids reveal nothing across teams). */
export const sshKeyNotFound = () => notFound('SSH key not found');

/** 404 when a route acts on the saved integration itself (DELETE-like actions) and there is none. */
export const integrationNotFound = () => notFound('Git integration is not configured for this team');

export const operationNotFound = () => notFound('Git operation not found');
