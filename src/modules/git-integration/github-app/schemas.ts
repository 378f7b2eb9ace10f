import { z } from 'zod';

// Linking GitHub App installations to a team (service.ts).

export const linkStartBody = z.object({}).strict().nullish().describe('No fields');

export const linkStartResponse = z.object({
  data: z.object({
    authorize_url: z.string().describe("Send the member's browser here: GitHub asks them to authorize the App, then returns to the App's callback URL (the UI) with code and state"),
    install_url: z.string().nullable().describe('The same with installing the App first (needs GITHUB_APP_SLUG and "Request user authorization during installation"); null when not configured'),
    expires_at: z.string().describe('The link works once, until then'),
  }),
});

export const linkCompleteBody = z
  .object({
    state: z.string().min(1).max(200).describe('From POST /github-app/link, echoed by GitHub on the callback URL'),
    code: z.string().min(1).max(200).describe("GitHub's authorization code from the callback URL"),
  })
  .strict()
  .describe("What GitHub put on the App's callback URL; an installation_id there is not evidence and is not accepted");

export const linkCompleteResponse = z.object({
  data: z.object({
    team: z.string().describe('The team the installations were linked to'),
    linked: z.array(z.object({ installation_id: z.string(), account_login: z.string() })),
    message: z.string(),
  }),
});
