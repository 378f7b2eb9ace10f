import { z } from 'zod';
import { ALL_SCOPES } from '../../../lib/auth/scopes.js';
import { printable, withoutBidi } from '../../../lib/zod-text.js';
import type { TeamToken } from './service.js';

const TOKEN_NAME_MAX_LENGTH = 100;

/** A token's name: shown in lists, so printable and free of bidirectional controls. */
export const tokenName = printable(
  withoutBidi(
    z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(TOKEN_NAME_MAX_LENGTH, `must be at most ${TOKEN_NAME_MAX_LENGTH} characters`),
  ),
);

export const createTokenBody = z
  .object({
    name: tokenName,
    expires_at: z.iso
      .datetime({ offset: true })
      .nullish()
      .describe('When the token stops working, at most 3650 days ahead; omit or null for never. No later than the expiry of the token you call with (422)'),
    scopes: z
      .array(z.enum(ALL_SCOPES))
      .min(1)
      .optional()
      .describe('Default: your own scopes except team:admin; a scope you do not hold is refused (422)'),
  })
  .strict();

export const tokenParams = z.object({ id: z.string().max(64).describe('Token id') });

const tokenBody = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the token, to recognise it'),
  scopes: z.array(z.string()),
  creator: z.string().describe('Name of the user who owns the token'),
  state: z.enum(['active', 'expired', 'revoked']),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  created_at: z.string(),
});

export const tokenResponse = z.object({ data: tokenBody });
export const createdTokenResponse = z.object({
  data: tokenBody.extend({ token: z.string().describe('The token itself: shown in this response only') }),
});
export const tokenListResponse = z.object({ data: z.array(tokenBody) });

export function toTokenBody(token: TeamToken): z.infer<typeof tokenBody> {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes,
    creator: token.creator,
    state: token.state,
    expires_at: token.expiresAt?.toISOString() ?? null,
    revoked_at: token.revokedAt?.toISOString() ?? null,
    last_used_at: token.lastUsedAt?.toISOString() ?? null,
    created_at: token.createdAt.toISOString(),
  };
}
