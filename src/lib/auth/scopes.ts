export const ALL_SCOPES = [
  'specs:read',
  'specs:write',
  'refs:read',
  'refs:write',
  'impls:read',
  'impls:write',
  'states:read',
  'states:write',
  // Sign in to the dashboard and read its pages (a token pasted at sign-in needs it too).
  'team:read',
  // Manage the team's API tokens (the dashboard's tokens page and /api/tokens).
  'team:admin',
  'workspace:read',
  'workspace:write',
  'pipelines:read',
  'pipelines:write',
  'git:read',
  'git:write',
] as const;

export type Scope = (typeof ALL_SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}
