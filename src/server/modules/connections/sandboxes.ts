/**
 * Demo mode: starts vendor sandboxes (local stateful emulators) in-process and describes the connection settings that
 * reach them. Used by `MARKETING_PLATFORM=sandbox` and `switchboard sandbox start`. Sandbox connections are always
 * created with `sandbox: true`, so every surface labels them; an outage of a real vendor never falls back to one.
 *
 * The sandboxes are the connectors' own (`connector.sandbox`, in each vendor's folder): this file only iterates the
 * registry.
 */
import { connectors as registry, type StartedSandbox } from '../../connectors/index.js';
import type { ConnectorLookup } from './connections.context.js';

/** A running sandbox, the connector it emulates, and the connection settings that reach it. */
export interface RunningSandbox extends StartedSandbox {
  vendor: string;
}

export interface SandboxStartOptions {
  host?: string;
  port?: number;
}

/** Thrown for a vendor without a sandbox (the CLI maps it to exit 1 with the message). */
export class UnknownSandboxError extends Error {
  constructor(
    readonly vendors: readonly string[],
    readonly available: readonly string[],
  ) {
    super(`No sandbox for ${vendors.join(', ')}; available: ${available.join(', ') || '(none)'}`);
    this.name = 'UnknownSandboxError';
  }
}

/** The connectors that ship a sandbox, sorted. */
export function listSandboxVendors(connectors: ConnectorLookup = registry): string[] {
  return Object.keys(connectors)
    .filter((id) => connectors[id]?.sandbox !== undefined)
    .sort();
}

/** Starts the named sandboxes (all when none is named); stops the ones already started if one fails. */
export async function startSandboxes(
  vendors: readonly string[] = [],
  opts: SandboxStartOptions = {},
  connectors: ConnectorLookup = registry,
): Promise<RunningSandbox[]> {
  const available = listSandboxVendors(connectors);
  const wanted = vendors.length ? [...new Set(vendors)] : available;
  const unknown = wanted.filter((v) => !available.includes(v));
  if (unknown.length) throw new UnknownSandboxError(unknown, available);
  const started: RunningSandbox[] = [];
  try {
    for (const vendor of wanted) {
      const s = await connectors[vendor]!.sandbox!.start(opts);
      started.push({ ...s, vendor });
    }
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw e;
  }
  return started;
}
