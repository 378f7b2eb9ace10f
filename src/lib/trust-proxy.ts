import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which X-Forwarded-For hops count as the client's address (Fastify's `trustProxy`).
 * false: none, the TCP peer is the client. true: every hop (the left-most address;
 * only safe when nothing but the proxy can reach the server). A number: that many
 * hops from the server. A list: proxies at these addresses or CIDRs are skipped.
 */
export type TrustProxy = boolean | number | string[];

// proxy-addr's (Fastify's) names for address ranges.
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * The setting as Fastify's typings take it: they lack the hop count Fastify accepts at
 * run time, so a count becomes the function Fastify would make of it (hop i is trusted
 * while i < hops).
 */
export function fastifyTrustProxy(setting: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

const MESSAGE =
  'must be false, true, a number of proxy hops, or a comma list of proxy addresses/CIDRs (e.g. 127.0.0.1,10.0.0.0/8)';

export const trustProxySetting = z
  .string()
  .default('false')
  .transform((text, ctx): TrustProxy => {
    const value = text.trim().toLowerCase();
    if (value === '' || value === 'false' || value === 'off') return false;
    if (value === 'true' || value === 'on') return true;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops <= 100) return hops === 0 ? false : hops;
    } else {
      const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
      if (entries.length > 0 && entries.every(isAddressOrCidr)) return entries;
    }
    ctx.addIssue({ code: 'custom', message: MESSAGE });
    return z.NEVER;
  });
