import { z } from 'zod';
import { hasControlCharacter } from '../../lib/text.js';

// Branch names git accepts (the rules of `git check-ref-format --branch`), checked
// without running git. Names starting with "-" are refused too: they would read as options.

const FORBIDDEN = /[ ~^:?*[\\]/;
const MAX_LENGTH = 255;

/** null when valid, else the reason. */
export function branchNameIssue(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_LENGTH) return `must be at most ${MAX_LENGTH} characters`;
  if (FORBIDDEN.test(name) || hasControlCharacter(name)) return 'must not contain spaces, control characters or any of ~ ^ : ? * [ \\';
  if (name.startsWith('-')) return 'must not start with "-"';
  if (name === '@' || name.includes('@{')) return 'must not be "@" or contain "@{"';
  if (name.includes('..')) return 'must not contain ".."';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'must not start or end with "/" or contain "//"';
  if (name.endsWith('.')) return 'must not end with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'components must not start with "."';
    if (part.endsWith('.lock')) return 'components must not end with ".lock"';
  }
  return null;
}

/** A branch name in a request (push, pull, history, the default branch): the rules above as a zod check. */
export const branchName = z.string().superRefine((value, ctx) => {
  const issue = branchNameIssue(value);
  if (issue) ctx.addIssue({ code: 'custom', message: issue });
});
