import { z } from 'zod';
import { parseSecretKey } from '../../lib/crypto/secret-box.js';

// Environment settings of the git integration, merged into the server's env schema
// (src/config.ts) and read once at start.

const PROTOCOLS = ['https', 'ssh', 'http', 'file'] as const;
export type GitProtocol = (typeof PROTOCOLS)[number];

export const gitIntegrationEnv = z.object({
  /**
   * 32-byte key (64 hex chars or base64) encrypting git credentials and deploy keys
   * at rest. Unset: a key file `DATA_DIR/credentials.key` (mode 0600) is created and
   * used, with a warning; production should set this variable.
   */
  GIT_CREDENTIALS_KEY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v || v.trim() === '') return undefined;
      try {
        return parseSecretKey(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Remote URL schemes teams may configure; `http` and `file` only for trusted setups. */
  GIT_ALLOWED_PROTOCOLS: z
    .string()
    .default('https,ssh')
    .transform((v) => v.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(PROTOCOLS)).min(1)),
  /** Allow remotes on loopback, private, link-local and metadata addresses (tests, on-prem). */
  GIT_ALLOW_PRIVATE_HOSTS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});

export type GitIntegrationConfig = ReturnType<typeof toGitIntegrationConfig>;

export function toGitIntegrationConfig(env: z.infer<typeof gitIntegrationEnv>) {
  return {
    credentialsKey: env.GIT_CREDENTIALS_KEY,
    allowedProtocols: new Set<GitProtocol>(env.GIT_ALLOWED_PROTOCOLS),
    allowPrivateHosts: env.GIT_ALLOW_PRIVATE_HOSTS,
  };
}
