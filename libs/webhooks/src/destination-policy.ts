import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

/** Resolves a host name to every address it has (the system resolver: /etc/hosts, then DNS). */
export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

export const resolveAll: ResolveAll = (host) => dnsLookup(host, { all: true, verbatim: true });

/** The addresses of this machine's own interfaces: reachable from here whatever range they are in. */
export function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) own.add(ipaddr.process(i.address.split('%')[0]!).toString());
  return own;
}

/**
 * Why darkroom will not open a connection to `address`, or null when it may. Only global unicast is allowed:
 * loopback, private (RFC 1918, unique-local fc00::/7), link-local (where cloud metadata lives, 169.254.169.254
 * and fe80::/10), carrier-grade NAT, multicast, unspecified, reserved and documentation ranges, 6to4 and Teredo
 * tunnels are refused, and so is any address of this machine's own interfaces. An IPv4 address written as IPv6
 * (::ffff:a.b.c.d, or NAT64's 64:ff9b::/96) is judged by the IPv4 address inside it.
 */
export function addressRefusal(address: string, own: ReadonlySet<string> = new Set()): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    else if (v6.range() === 'rfc6052') ip = ipaddr.fromByteArray(v6.toByteArray().slice(12));
  }
  const canonical = ip.toString();
  const range = ip.range();
  if (range !== 'unicast') return `${canonical} is in a ${describe(range)} range`;
  return own.has(canonical) ? `${canonical} is an address of this server` : null;
}

function describe(range: string): string {
  const names: Record<string, string> = {
    loopback: 'loopback',
    private: 'private',
    uniqueLocal: 'private (unique-local)',
    linkLocal: 'link-local (cloud metadata lives here)',
    carrierGradeNat: 'carrier-grade NAT',
    unspecified: 'unspecified',
    broadcast: 'broadcast',
    multicast: 'multicast',
  };
  return names[range] ?? `reserved (${range})`;
}

/**
 * Where webhooks may go. A URL must be http(s), without credentials, and its host must resolve only to
 * addresses `addressRefusal` allows, unless the host is listed in `allowedHosts` (WEBHOOK_ALLOWED_HOSTS: for
 * a receiver on this machine or inside the network, on purpose). The check runs when an endpoint is
 * registered and again for every delivery, through `lookupFor`, on the very address the socket connects to:
 * a name that resolved to a public address at registration and to 127.0.0.1 later (DNS rebinding) is caught.
 */
export class WebhookDestinations {
  private readonly allowed: Set<string>;

  constructor(
    allowedHosts: readonly string[],
    private readonly resolve: ResolveAll = resolveAll,
    private readonly own: ReadonlySet<string> = ownAddresses(),
  ) {
    this.allowed = new Set(allowedHosts.map(normaliseHost));
  }

  /** The URL as it will be called, or the reason it will not be. Resolves the host (no connection is made). */
  async check(raw: string): Promise<{ url: URL } | { refused: string }> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { refused: 'url must be an absolute http:// or https:// URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refused: 'url must start with http:// or https://' };
    if (url.username || url.password) return { refused: 'url must not carry a user name or password (the signature authenticates darkroom)' };
    if (url.hash) return { refused: 'url must not have a #fragment' };
    const refused = await this.hostRefusal(normaliseHost(url.hostname));
    return refused ? { refused: `url ${refused}` } : { url };
  }

  /** Why `host` may not be called, or null; for an allowed host, null without a look-up. */
  async hostRefusal(host: string): Promise<string | null> {
    if (this.allowed.has(host)) return null;
    if (isLocalhostName(host)) return `host "${host}" is this machine (loopback)`;
    if (ipaddr.isValid(host)) return this.refusal(host, host);
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolve(host);
    } catch {
      return `host "${host}" does not resolve`;
    }
    if (addresses.length === 0) return `host "${host}" does not resolve`;
    for (const { address } of addresses) {
      const refused = this.refusal(host, address);
      if (refused) return refused;
    }
    return null;
  }

  /**
   * A `lookup` for http.request / net.connect that resolves `host` as `check` does and fails the connection
   * before it is opened when an address is refused.
   */
  lookupFor(): (host: string, options: object, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void {
    return (host, options, callback) => {
      const name = normaliseHost(host);
      const all = (options as { all?: boolean }).all === true;
      const answer = (addresses: LookupAddress[]) => (all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family));
      const resolved = ipaddr.isValid(name) ? Promise.resolve([{ address: name, family: name.includes(':') ? 6 : 4 }]) : this.resolve(name);
      resolved.then(
        (addresses) => {
          if (addresses.length === 0) return callback(Object.assign(new Error(`host "${name}" does not resolve`), { code: 'ENOTFOUND' }), []);
          if (!this.allowed.has(name)) {
            if (isLocalhostName(name)) return callback(Object.assign(new Error(`host "${name}" is this machine (loopback)`), { code: 'EWEBHOOKDESTINATION' }), []);
            for (const { address } of addresses) {
              const refused = this.refusal(name, address);
              if (refused) return callback(Object.assign(new Error(refused), { code: 'EWEBHOOKDESTINATION' }), []);
            }
          }
          answer(addresses);
        },
        (error: NodeJS.ErrnoException) => callback(error, []),
      );
    };
  }

  private refusal(host: string, address: string): string | null {
    const why = addressRefusal(address, this.own);
    if (!why) return null;
    return host === address ? `host ${why}` : `host "${host}" resolves to ${address}: ${why}`;
  }
}

/** `localhost` and every name under it are this machine, whatever a resolver says (RFC 6761). */
function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** URL.hostname keeps an IPv6 literal's brackets and any case: compare hosts without them. */
export function normaliseHost(host: string): string {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return ipaddr.isValid(bare) ? ipaddr.parse(bare).toString() : bare;
}
