import { hash, randomBytes } from 'node:crypto';

// API token mechanics that need no database: the token's shape, its hash and display prefix, the
// result of a check, and the cache of successful lookups. The statements on api_tokens (create,
// list, verify, revoke) are in src/db/tokens.ts; lib stays below db and imports neither db nor modules.

const TOKEN_PREFIX = 'at_';
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 8;

/** One-shot hash: it runs on every authenticated request, and a Hash object per call costs more than the digest. */
export function hashToken(raw: string): string {
  return hash('sha256', raw, 'hex');
}

/** A new raw token (shown once), the hash the database keeps and its display prefix. */
export function generateToken(): { raw: string; hash: string; prefix: string } {
  const raw = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { raw, hash: hashToken(raw), prefix: raw.slice(0, DISPLAY_PREFIX_LENGTH) };
}

const TOKEN_SHAPE = /^at_[A-Za-z0-9_-]{43}$/;

/** True when `raw` could be a token this server issued; anything else needs no lookup. */
export function hasTokenShape(raw: string): boolean {
  return TOKEN_SHAPE.test(raw);
}

export interface AuthContext {
  tokenId: string;
  teamId: string;
  userId: string;
  scopes: ReadonlySet<string>;
}

export type TokenCheck =
  | { ok: true; auth: AuthContext }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

/**
 * Successful lookups, kept for a few seconds so an authenticated request costs no
 * database round trip. The price: a revoked token keeps working until its entry
 * expires (at most the TTL). Entries never outlive the token's own expiry.
 */
export class TokenCache {
  private readonly entries = new Map<string, { auth: AuthContext; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Drops the entry of a revoked token (told by another process, or by this one). */
  forgetToken(tokenId: string): void {
    for (const [hash, entry] of this.entries) if (entry.auth.tokenId === tokenId) this.entries.delete(hash);
  }

  /** Drops everything: revocations may have been missed (the notification connection was down). */
  clear(): void {
    this.entries.clear();
  }

  get(hash: string, now: number): AuthContext | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.auth;
    this.entries.delete(hash);
    return undefined;
  }

  set(hash: string, auth: AuthContext, now: number, expiresAt: Date | null): void {
    if (this.ttlMs <= 0) return;
    // A full cache starts over rather than tracking recency: it only bounds memory.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(hash, { auth, until: Math.min(now + this.ttlMs, expiresAt?.getTime() ?? Infinity) });
  }
}
