import { z } from 'zod';

// Deploy keys (POST/GET/DELETE /git-integration/ssh-keys). Responses never hold the private key.

export const createSshKeyBody = z
  .object({ comment: z.string().regex(/^[A-Za-z0-9._@+-]{1,100}$/, 'letters, digits and . _ @ + - only').optional() })
  .strict()
  .nullish()
  .describe('Optional; without a body the comment is the key id');

export const sshKeyResponse = z.object({
  data: z
    .object({ id: z.string(), public_key: z.string(), fingerprint: z.string(), created_at: z.string() })
    .describe('GitSshKey'),
});

export const sshKeyListResponse = z.object({
  data: z.array(
    z
      .object({
        id: z.string(),
        public_key: z.string(),
        fingerprint: z.string(),
        created_at: z.string(),
        in_use: z.boolean().describe('The integration authenticates with this key (it cannot be deleted until it does not)'),
      })
      .describe('GitSshKeyListItem'),
  ),
});

export const sshKeyParams = z.object({ id: z.string().min(1).max(64).describe('Key id (`gitkey_...`)') });
