// repo_uri is `host/owner/repo` (the CLI normalises the origin remote). A URI copied from a
// clone URL may carry a token in its user-info part: it is refused, and cut out before logging.

const USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/)?([^/@]*)@/i;

/** True when the URI has user info before its path (`token@`, `user:secret@`); scp-style `git@` carries no secret. */
export function hasCredentials(uri: string): boolean {
  const match = USER_INFO.exec(uri);
  return match !== null && match[2] !== 'git';
}

/** The URI without anything up to the first `@` of its authority. */
export const withoutCredentials = (uri: string): string => uri.replace(USER_INFO, '$1');
