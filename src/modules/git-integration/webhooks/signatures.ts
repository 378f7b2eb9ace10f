import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isObject } from '../../../lib/is-object.js';

// How each provider proves a delivery comes from the webhook configured with our secret,
// checked over the exact bytes received and compared in constant time:
// - GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`;
// - GitLab: `X-Gitlab-Token: <the secret itself>`;
// - Bitbucket (Cloud and Data Center): `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`.

export const WEBHOOK_PROVIDERS = ['github', 'gitlab', 'bitbucket'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

type Headers = Record<string, string | string[] | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** Equal-length digests compared in constant time; the inputs' lengths are not revealed either. */
const sameDigest = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest();

function hmacMatches(signature: string | undefined, body: Buffer, secret: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(signature ?? '');
  const expected = createHmac('sha256', secret).update(body).digest();
  // Computed even without a well-formed signature, so a malformed one answers as fast as a wrong one.
  return sameDigest(Buffer.from(match?.[1] ?? '00'.repeat(32), 'hex'), expected) && match !== null;
}

export function signatureValid(provider: WebhookProvider, headers: Headers, body: Buffer, secret: string): boolean {
  switch (provider) {
    case 'github':
      return hmacMatches(header(headers, 'x-hub-signature-256'), body, secret);
    case 'bitbucket':
      return hmacMatches(header(headers, 'x-hub-signature'), body, secret);
    case 'gitlab': {
      const token = header(headers, 'x-gitlab-token');
      // Hashes first: equal lengths for timingSafeEqual whatever was sent.
      return sameDigest(sha256(token ?? ''), sha256(secret)) && token !== undefined;
    }
  }
}

/** Providers send UUIDs; anything longer is cut rather than stored whole. */
const MAX_DELIVERY_ID = 100;

/**
 * The provider's id of this delivery, to recognise a replay: GitHub `X-GitHub-Delivery` (kept by a
 * manual redelivery), GitLab `X-Gitlab-Event-UUID` (one per event), Bitbucket Cloud `X-Request-UUID`,
 * Bitbucket Data Center `X-Request-Id`. Headers are not signed: this stops a delivery resent as
 * captured, not one whose id was changed (the signature still ties it to a real delivery's body).
 */
export function deliveryId(provider: WebhookProvider, headers: Headers): string | null {
  const id =
    provider === 'github'
      ? header(headers, 'x-github-delivery')
      : provider === 'gitlab'
        ? header(headers, 'x-gitlab-event-uuid')
        : (header(headers, 'x-request-uuid') ?? header(headers, 'x-request-id'));
  return id ? id.slice(0, MAX_DELIVERY_ID) : null;
}

/** Whether the delivery reports commits pushed to a branch (other events only refresh the view). */
export function isPushEvent(provider: WebhookProvider, headers: Headers): boolean {
  if (provider === 'github') return header(headers, 'x-github-event') === 'push';
  if (provider === 'gitlab') return header(headers, 'x-gitlab-event') === 'Push Hook';
  return ['repo:push', 'repo:refs_changed'].includes(header(headers, 'x-event-key') ?? '');
}

const branchOfRef = (ref: unknown) => (typeof ref === 'string' && ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null);

/**
 * The branches a push event names, from the (already verified) JSON body; null when they cannot
 * be read from it. GitHub and GitLab: `ref`; Bitbucket Cloud: `push.changes[].new` of type branch;
 * Bitbucket Data Center: `changes[].ref.id`.
 */
export function pushedBranches(provider: WebhookProvider, payload: unknown): string[] | null {
  if (!isObject(payload)) return null;
  if (provider !== 'bitbucket') {
    const branch = branchOfRef(payload.ref);
    return typeof payload.ref === 'string' ? (branch ? [branch] : []) : null;
  }
  const cloud = isObject(payload.push) && Array.isArray(payload.push.changes) ? payload.push.changes : null;
  if (cloud) {
    return cloud.flatMap((change) =>
      isObject(change) && isObject(change.new) && change.new.type === 'branch' && typeof change.new.name === 'string' ? [change.new.name] : [],
    );
  }
  if (Array.isArray(payload.changes)) {
    return payload.changes.flatMap((change) => {
      const branch = isObject(change) && isObject(change.ref) ? branchOfRef(change.ref.id) : null;
      return branch ? [branch] : [];
    });
  }
  return null;
}
