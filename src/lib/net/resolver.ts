import { lookup } from 'node:dns/promises';

// Host name resolution, injected (buildApp's `resolver`) so that tests map names
// to addresses without sending a DNS query. The system resolver is getaddrinfo:
// /etc/hosts, search domains and DNS, the same answers git's own lookup would get.

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address of `hostname`, in the resolver's order; rejects (e.g. ENOTFOUND) when there is none. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};
