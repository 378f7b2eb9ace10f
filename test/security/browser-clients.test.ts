import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { loadConfig } from '../../src/config.js';

// Security headers on every response; CORS only for the configured browser origins.

const UI = 'https://pipelines.example.com';

describe('browser clients', () => {
  let t: TestApp;
  let plain: TestApp;
  let auth: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ALLOWED_ORIGINS: `${UI}, http://localhost:5173` } });
    plain = await createTestApp();
    auth = `Bearer ${await t.token({ team: 'ui-team', user: 'uma' })}`;
  });
  afterAll(async () => {
    await t?.close();
    await plain?.close();
  });

  const preflight = (app: TestApp, origin: string, path = '/api/pipelines') =>
    app.http().options(path).set('origin', origin).set('access-control-request-method', 'PATCH').set('access-control-request-headers', 'authorization,content-type');

  it('answers a preflight from an allowed origin with the CORS headers', async () => {
    const res = await preflight(t, UI);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-allow-methods']).toContain('PATCH');
    expect(res.headers['access-control-allow-headers']).toMatch(/authorization/i);
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect((await preflight(t, 'http://localhost:5173', '/v1/devices')).headers['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('gives another origin no CORS headers, on preflights and on requests', async () => {
    for (const origin of ['https://evil.example.com', 'https://pipelines.example.com.evil.io', 'null']) {
      const res = await preflight(t, origin);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      const get = await t.http().get('/api/pipelines').set('origin', origin).set('authorization', auth);
      expect(get.status).toBe(200);
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('exposes x-request-id to the allowed origin on successes and errors', async () => {
    const ok = await t.http().get('/api/pipelines').set('origin', UI).set('authorization', auth);
    expect(ok.headers['access-control-allow-origin']).toBe(UI);
    expect(ok.headers['access-control-expose-headers']).toMatch(/x-request-id/);
    const unauthorized = await t.http().get('/api/pipelines').set('origin', UI);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers['access-control-allow-origin']).toBe(UI);
  });

  it('sends no CORS headers at all when no origin is configured', async () => {
    const res = await preflight(plain, UI);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const get = await plain.http().get('/_health').set('origin', UI);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects an origin with a path in the configuration', () => {
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: 'https://ui.example.com/app' })).toThrow(/CORS_ALLOWED_ORIGINS/);
    expect(loadConfig({ CORS_ALLOWED_ORIGINS: ' https://a.example.com ,http://localhost:3000' }).cors.allowedOrigins).toEqual(['https://a.example.com', 'http://localhost:3000']);
  });

  it('puts the security headers on API responses of every surface, errors included', async () => {
    const token = `Bearer ${await plain.token({ team: 'h', user: 'h' })}`;
    for (const [path, status] of [
      ['/api/pipelines', 200],
      ['/v1/devices', 200],
      ['/api/v1/implementations?product_name=x', 200],
      ['/api/nope', 404],
    ] as const) {
      const res = await plain.http().get(path).set('authorization', token);
      expect(res.status, path).toBe(status);
      expect(res.headers['content-security-policy'], path).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    const unauthorized = await plain.http().get('/v1/devices');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers['x-content-type-options']).toBe('nosniff');
  });

  it('gives the docs UI a policy that lets its own scripts, styles and images load', async () => {
    const page = await plain.http().get('/docs/static/index.html').redirects(2);
    expect(page.status).toBe(200);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).not.toContain("default-src 'none'");
    // Every script the page loads is same-origin, so script-src 'self' covers it.
    const scripts = [...page.text.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src).not.toMatch(/^https?:/);
    expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
    const initializer = await plain.http().get('/docs/static/swagger-initializer.js');
    expect(initializer.status).toBe(200);
    expect(initializer.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
