import { z } from 'zod';
import { WEBHOOK_PROVIDERS } from './signatures.js';

export const webhookParams = z.object({ provider: z.enum(WEBHOOK_PROVIDERS) });

export const webhookQuery = z.object({
  hook_id: z.string().max(64).optional().describe('The webhook id shown when its secret was generated (POST /api/git-integration/webhook)'),
});

export const webhookAcceptedResponse = z.object({
  data: z.object({
    refresh_queued: z.boolean().describe('The remote view is being refreshed (false when the integration is disabled or jobs are off)'),
    pull_operation_id: z.string().nullable().describe('The pull queued because of auto_pull, if any (the pull of that branch already waiting in the queue when there is one)'),
  }),
});

export const generatedWebhookResponse = z.object({
  data: z.object({
    hook_id: z.string(),
    secret: z.string().describe('Shown only in this answer: paste it into the provider’s webhook settings (GitHub/Bitbucket "Secret", GitLab "Secret token")'),
    paths: z
      .object({ github: z.string(), gitlab: z.string(), bitbucket: z.string() })
      .describe('The payload URL of each provider, to put behind this server’s public origin'),
  }),
});
