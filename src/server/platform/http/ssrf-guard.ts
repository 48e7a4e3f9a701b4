/**
 * SSRF protection for outbound requests to user-supplied URLs (DESIGN §7): webhook targets, images referenced by
 * content. A URL is refused when its host resolves to a loopback, private, link-local (cloud metadata), CGNAT,
 * multicast or otherwise reserved address, unless the caller's allow-list names the host.
 *
 * The check runs twice: before the request (a clear 4xx for the user, e.g. when a subscription is saved) and at
 * connect time, inside the HTTP agent's `lookup`, on the very addresses the socket is about to use — so a DNS answer
 * that changes between the two (DNS rebinding) is still refused. IP-literal hosts never reach `lookup`, so callers
 * check them before the request (`isBlockedAddress`).
 *
 * Each caller names its refusal (code and hint) with an `OutboundTargetRefusedError` subclass; the webhook targets'
 * errors are the defaults because they were the first caller.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';
import { AppError } from '../errors/index.js';

/** 422: the URL points at an address the caller may not reach. `code` names the caller (`WEBHOOK_TARGET_REFUSED`). */
export class OutboundTargetRefusedError extends AppError {
  constructor(
    readonly host: string,
    readonly address: string,
    code = 'OUTBOUND_TARGET_REFUSED',
    consequence = 'Switchboard may not call it.',
  ) {
    super(
      code,
      422,
      `${host} resolves to ${address}, a loopback, private, link-local or reserved address; ${consequence}`,
      { host, address },
    );
    this.name = 'OutboundTargetRefusedError';
  }
}

/** 422: the URL points at an address webhooks may not reach. */
export class WebhookTargetRefusedError extends OutboundTargetRefusedError {
  constructor(host: string, address: string) {
    super(
      host,
      address,
      'WEBHOOK_TARGET_REFUSED',
      `webhooks may not call it. An admin can allow the host in the workspace webhook settings ` +
        `(PUT /api/v1/webhooks/settings).`,
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

/** A refusal inside an HTTP client's error chain, e.g. raised by a socket's guarded `lookup` (undici wraps it in `cause`). */
export function findOutboundRefusal(e: unknown): OutboundTargetRefusedError | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof OutboundTargetRefusedError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

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

/** True for addresses outbound requests may not reach (IPv4-mapped and NAT64 IPv6 are judged by their IPv4 part). */
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

export type GuardedLookup = (
  hostname: string,
  options: Partial<LookupAllOptions> & { all?: boolean },
  callback: LookupCallback,
) => void;

/** Builds a refusal for a host and the blocked address it resolved to. */
export type RefuseTarget = (host: string, address: string) => OutboundTargetRefusedError;

const refuseWebhookTarget: RefuseTarget = (host, address) => new WebhookTargetRefusedError(host, address);

/**
 * A `lookup` for sockets that refuses blocked addresses: it resolves every address and fails the connection if any
 * of them is blocked (a host mixing public and private answers is treated as hostile). The refusal's `code` (an
 * AppError code such as `WEBHOOK_TARGET_REFUSED`) is what HTTP clients that only look at errno codes see.
 */
export function createGuardedLookup(refuse: RefuseTarget = refuseWebhookTarget): GuardedLookup {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = addresses.find((a) => isBlockedAddress(a.address));
      if (bad) {
        return callback(refuse(hostname, bad.address) as unknown as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname}: no addresses`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** The webhook targets' guarded `lookup` (refusals are `WEBHOOK_TARGET_REFUSED`). */
export const guardedLookup: GuardedLookup = createGuardedLookup();

/**
 * The two HTTP agents an outbound caller uses: `guarded` checks addresses at connect time, `trusted` serves hosts on
 * the caller's allow-list. Keep-alive pools are per agent, so a trusted connection is never reused for a guarded
 * request.
 */
export interface GuardedAgents {
  guarded: Agent;
  trusted: Agent;
  close(): Promise<void>;
}

export function createGuardedAgents(opts: {
  connectTimeoutMs: number;
  refuse?: RefuseTarget;
}): GuardedAgents {
  const common = { connect: { timeout: opts.connectTimeoutMs }, keepAliveTimeout: 4_000 };
  const guarded = new Agent({
    ...common,
    connect: { ...common.connect, lookup: createGuardedLookup(opts.refuse) as never },
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

/** The agents webhook deliveries use. */
export type WebhookAgents = GuardedAgents;

export function createWebhookAgents(opts: { connectTimeoutMs: number }): WebhookAgents {
  return createGuardedAgents(opts);
}
