import { sanitizeGitOutput } from '../sanitize.js';

// JSON over HTTPS to a provider's REST API, with a timeout and errors that never
// carry the credential that was sent.

export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface ProviderRequest {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** Secrets to scrub from error messages. */
  secrets: string[];
}

export async function providerJson<T>(request: ProviderRequest): Promise<T> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: { accept: 'application/json', 'user-agent': 'planasonix-git-integration', ...request.headers, ...(request.body ? { 'content-type': 'application/json' } : {}) },
      body: request.body ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.timeout(request.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `timed out after ${request.timeoutMs} ms` : (error as Error).message;
    throw new ProviderError(sanitizeGitOutput(`provider API unreachable: ${reason}`, request.secrets), null);
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { message?: unknown; error?: { message?: unknown }; errors?: unknown };
      const message = parsed.message ?? parsed.error?.message;
      detail = [typeof message === 'string' ? message : JSON.stringify(message ?? ''), parsed.errors ? JSON.stringify(parsed.errors) : '']
        .filter((s) => s && s !== '""')
        .join(' ');
    } catch {
      // not JSON: keep the text excerpt
    }
    throw new ProviderError(sanitizeGitOutput(`provider API answered ${response.status}: ${detail}`, request.secrets), response.status);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ProviderError('provider API answered with invalid JSON', response.status);
  }
}
