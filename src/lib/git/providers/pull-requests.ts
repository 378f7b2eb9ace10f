import { providerJson, ProviderError } from './http.js';
import { repositoryPath } from './repo-path.js';

// Opening a pull (merge) request on the three hosted providers. The API base is
// configurable per provider, for self-hosted GitHub Enterprise / GitLab instances.

export interface PullRequestInput {
  provider: string;
  apiBaseUrl: string;
  repositoryUrl: string;
  /** API credential: a token (Bearer) or username + app password (Basic, Bitbucket). */
  token: string;
  username?: string;
  head: string;
  base: string;
  title: string;
  body: string;
  timeoutMs: number;
}

export interface PullRequestResult {
  url: string;
  number: number;
}

export async function openPullRequest(input: PullRequestInput): Promise<PullRequestResult> {
  const repo = repositoryPath(input.repositoryUrl);
  if (!repo) throw new ProviderError('cannot tell owner and repository from the repository URL', null);
  const secrets = [input.token];
  const bearer = { authorization: `Bearer ${input.token}` };
  const common = { method: 'POST' as const, timeoutMs: input.timeoutMs, secrets };

  switch (input.provider) {
    case 'github': {
      const url = `${input.apiBaseUrl}/repos/${encodeURIComponent(repo.namespace)}/${encodeURIComponent(repo.name)}/pulls`;
      const created = await providerJson<{ html_url: string; number: number }>({
        ...common,
        url,
        headers: { ...bearer, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
        body: { title: input.title, body: input.body, head: input.head, base: input.base },
      });
      return { url: created.html_url, number: created.number };
    }
    case 'gitlab': {
      const url = `${input.apiBaseUrl}/projects/${encodeURIComponent(repo.fullPath)}/merge_requests`;
      const created = await providerJson<{ web_url: string; iid: number }>({
        ...common,
        url,
        headers: bearer,
        body: { source_branch: input.head, target_branch: input.base, title: input.title, description: input.body },
      });
      return { url: created.web_url, number: created.iid };
    }
    case 'bitbucket': {
      const url = `${input.apiBaseUrl}/2.0/repositories/${encodeURIComponent(repo.namespace)}/${encodeURIComponent(repo.name)}/pullrequests`;
      const authorization = input.username
        ? `Basic ${Buffer.from(`${input.username}:${input.token}`).toString('base64')}`
        : `Bearer ${input.token}`;
      const created = await providerJson<{ id: number; links: { html: { href: string } } }>({
        ...common,
        url,
        headers: { authorization },
        secrets: [...secrets, authorization],
        body: {
          title: input.title,
          description: input.body,
          source: { branch: { name: input.head } },
          destination: { branch: { name: input.base } },
        },
      });
      return { url: created.links.html.href, number: created.id };
    }
    default:
      throw new ProviderError(`pull requests are not supported for provider "${input.provider}"`, null);
  }
}
