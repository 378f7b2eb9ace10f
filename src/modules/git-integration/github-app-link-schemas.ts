import { z } from 'zod';

// Linking GitHub App installations to a team (github-app-links.ts).

export const linkStartBody = z.object({}).strict().nullish().describe('No fields');

export const linkStartResponse = z.object({
  data: z.object({
    authorize_url: z.string().describe("Send the member's browser here: GitHub asks them to authorize the App, then returns to the callback"),
    install_url: z.string().nullable().describe('The same with installing the App first (needs GITHUB_APP_SLUG and "Request user authorization during installation"); null when not configured'),
    expires_at: z.string().describe('The link works once, until then'),
  }),
});

export const linkCallbackQuery = z.object({
  state: z.string().min(1).max(200).describe('From POST /github-app/link, echoed by GitHub'),
  code: z.string().min(1).max(200).describe("GitHub's authorization code"),
  installation_id: z.string().max(40).optional().describe('Sent by GitHub after an install; ignored (anyone can write it into a URL): GitHub is asked which installations the user can access'),
  setup_action: z.string().max(40).optional(),
});

export const linkCallbackResponse = z.object({
  data: z.object({
    team: z.string().describe('The team the installations were linked to'),
    linked: z.array(z.object({ installation_id: z.string(), account_login: z.string() })),
    message: z.string(),
  }),
});
