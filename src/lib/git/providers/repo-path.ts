import { parseGitUrl } from '../../net/git-url.js';

// The `owner/repo` path of a remote URL: https://host/owner/repo(.git),
// ssh://git@host/owner/repo.git or scp-like git@host:owner/repo.git. GitLab keeps
// nested groups (`group/sub/repo`), so everything before the last segment is kept.
// Read with the same strict parser as everywhere else: a URL it refuses has no path.

export function repositoryPath(url: string): { namespace: string; name: string; fullPath: string } | null {
  const parsed = parseGitUrl(url);
  if (!parsed.ok) return null;
  const segments = parsed.value.path.replace(/\.git\/?$/, '').split('/').filter(Boolean);
  if (segments.length < 2) return null;
  const name = segments[segments.length - 1]!;
  const namespace = segments.slice(0, -1).join('/');
  return { namespace, name, fullPath: `${namespace}/${name}` };
}
