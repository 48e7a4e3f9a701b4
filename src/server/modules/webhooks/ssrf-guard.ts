/**
 * SSRF protection for outbound webhooks (DESIGN §7). A target URL is refused when its host resolves to a loopback,
 * private, link-local (cloud metadata), CGNAT, multicast or otherwise reserved address, unless the workspace's
 * allow-list names the host.
 *
 * The check runs twice: when a subscription is saved (a clear 4xx for the user) and at connect time, inside the HTTP
 * agent's `lookup`, on the very addresses the socket is about to use — so a DNS answer that changes between the
 * two (DNS rebinding) is still refused. IP-literal hosts never reach `lookup`, so they are checked before the
 * request.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';
import { AppError } from '../../platform/errors/index.js';

/** 422: the URL points at an address webhooks may not reach. */
export class WebhookTargetRefusedError extends AppError {
  constructor(host: string, address: string) {
    super(
      'WEBHOOK_TARGET_REFUSED',
      422,
      `${host} resolves to ${address}, a loopback, private, link-local or reserved address; webhooks may not call ` +
        `it. An admin can allow the host in the workspace webhook settings (PUT /api/v1/webhooks/settings).`,
      { host, address },
    );
    this.name = 'WebhookTargetRefusedError';
  }
}

/** 422: the host does not resolve at all. */
export class WebhookTargetUnresolvableError extends AppError {
  constructor(host: string, reason: string) {
    super('WEBHOOK_TARGET_UNRESOLVABLE', 422, `${host} does not resolve (${reason})`, { host });
    this.name = 'WebhookTargetUnresolvableError';
  }
}

export const isWebhookTargetRefused = (e: unknown): e is WebhookTargetRefusedError =>
  e instanceof WebhookTargetRefusedError;

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local (AWS metadata fd00:ec2::254 too)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for addresses webhooks may not reach (IPv4-mapped and NAT64 IPv6 are judged by their IPv4 part). */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const lower = address.toLowerCase();
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16);
    const lo = parseInt(hexMapped[2]!, 16);
    return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return blocked.check(address, 'ipv6');
}

/** The host as the allow-list compares it: lower case, IPv6 brackets removed. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

export function isHostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const h = normalizeHost(host);
  return allowedHosts.some((a) => normalizeHost(a) === h);
}

/** Resolves every address of a host (the save-time check). */
export type ResolveHost = (host: string) => Promise<LookupAddress[]>;

export const resolveWithDns: ResolveHost = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/**
 * Save-time check: refuses a URL whose host is (or resolves to) a blocked address unless the host is allowed.
 * Throws `WebhookTargetRefusedError` / `WebhookTargetUnresolvableError`.
 */
export async function assertTargetAllowed(
  url: URL,
  allowedHosts: readonly string[],
  resolve: ResolveHost = resolveWithDns,
): Promise<void> {
  const host = normalizeHost(url.hostname);
  if (isHostAllowed(host, allowedHosts)) return;
  if (isIP(host)) {
    if (isBlockedAddress(host)) throw new WebhookTargetRefusedError(host, host);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (e) {
    throw new WebhookTargetUnresolvableError(host, (e as NodeJS.ErrnoException).code ?? String(e));
  }
  if (addresses.length === 0) throw new WebhookTargetUnresolvableError(host, 'no addresses');
  const bad = addresses.find((a) => isBlockedAddress(a.address));
  if (bad) throw new WebhookTargetRefusedError(host, bad.address);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for sockets that refuses blocked addresses: it resolves every address and fails the connection if any
 * of them is blocked (a host mixing public and private answers is treated as hostile).
 */
export function guardedLookup(
  hostname: string,
  options: Partial<LookupAllOptions> & { all?: boolean },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isBlockedAddress(a.address));
    if (bad) {
      const refused = new WebhookTargetRefusedError(
        hostname,
        bad.address,
      ) as unknown as NodeJS.ErrnoException;
      refused.code = 'WEBHOOK_TARGET_REFUSED';
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(Object.assign(new Error(`${hostname}: no addresses`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

/**
 * The two HTTP agents deliveries use: `guarded` checks addresses at connect time, `trusted` serves hosts on a
 * workspace's allow-list. Keep-alive pools are per agent, so a trusted connection is never reused for a guarded
 * request.
 */
export interface WebhookAgents {
  guarded: Agent;
  trusted: Agent;
  close(): Promise<void>;
}

export function createWebhookAgents(opts: { connectTimeoutMs: number }): WebhookAgents {
  const common = { connect: { timeout: opts.connectTimeoutMs }, keepAliveTimeout: 4_000 };
  const guarded = new Agent({
    ...common,
    connect: { ...common.connect, lookup: guardedLookup as never },
  });
  const trusted = new Agent(common);
  return {
    guarded,
    trusted,
    close: async () => {
      await Promise.allSettled([guarded.close(), trusted.close()]);
    },
  };
}
