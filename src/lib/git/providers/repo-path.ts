// The `owner/repo` path of a remote URL: https://host/owner/repo(.git),
// ssh://git@host/owner/repo.git or scp-like git@host:owner/repo.git. GitLab keeps
// nested groups (`group/sub/repo`), so everything before the last segment is kept.

export function repositoryPath(url: string): { namespace: string; name: string; fullPath: string } | null {
  let path: string;
  const scp = /^[^@/\s]+@[^:/\s]+:(.+)$/.exec(url);
  if (scp && !url.includes('://')) path = scp[1]!;
  else {
    try {
      path = new URL(url).pathname;
    } catch {
      return null;
    }
  }
  const segments = path.replace(/\.git\/?$/, '').split('/').filter(Boolean);
  if (segments.length < 2) return null;
  const name = segments[segments.length - 1]!;
  const namespace = segments.slice(0, -1).join('/');
  return { namespace, name, fullPath: `${namespace}/${name}` };
}
