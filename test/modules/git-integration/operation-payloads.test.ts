import { describe, expect, it } from 'vitest';
import { publicRequest, pullPayload, pushPayload, toStoredPayload } from '../../../src/modules/git-integration/operations/payloads.js';

// git_operations.request is read back by the job with the route's schema: rows stored before
// payload versions existed are version 1, a version this server does not know is refused.

describe('stored operation payloads', () => {
  it('reads a row stored before payload versions as version 1', () => {
    const old = { branch: 'main', message: 'Update pipelines', create_pull_request: false };
    expect(pushPayload.parse(old)).toEqual({ ...old, payload_version: 1 });
    expect(pullPayload.parse({ branch: 'main', strategy: 'theirs', dry_run: true })).toEqual({ branch: 'main', strategy: 'theirs', dry_run: true, payload_version: 1 });
  });

  it('stores the validated body with its resolved branch and version, and shows it without the version', () => {
    const stored = toStoredPayload({ strategy: 'merge' as const, dry_run: false }, 'develop');
    expect(stored).toEqual({ strategy: 'merge', dry_run: false, branch: 'develop', payload_version: 1 });
    expect(pullPayload.parse(stored)).toEqual(stored);
    expect(publicRequest(stored)).toEqual({ strategy: 'merge', dry_run: false, branch: 'develop' });
  });

  it('refuses an unknown version, a missing branch and fields the route would refuse', () => {
    expect(pushPayload.safeParse({ branch: 'main', message: 'm', payload_version: 2 }).success).toBe(false);
    expect(pullPayload.safeParse({ strategy: 'merge', dry_run: false }).success).toBe(false);
    expect(pullPayload.safeParse({ branch: 'main', strategy: 'rebase', dry_run: false }).success).toBe(false);
    expect(pushPayload.safeParse({ branch: 'main', message: 'm', extra: 1 }).success).toBe(false);
  });
});
