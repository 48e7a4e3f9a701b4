/**
 * Demo mode: starts vendor sandboxes (local stateful emulators) in-process and describes the connection settings that
 * reach them. Used by `MARKETING_PLATFORM=sandbox` and `switchboard sandbox start`. Sandbox connections are always
 * created with `sandbox: true`, so every surface labels them; an outage of a real vendor never falls back to one.
 */
import { startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { startMarketoSandbox } from '../../connectors/marketo/sandbox/index.js';

/** A running sandbox and the connection settings that reach it. */
export interface RunningSandbox {
  vendor: string;
  url: string;
  credentials: Record<string, unknown>;
  config: Record<string, unknown>;
  /** Requests beyond the emulated vendor limits so far (a well-behaved client causes none). */
  violations(): number;
  close(): Promise<void>;
}

export interface SandboxStartOptions {
  host?: string;
  port?: number;
}

type SandboxStarter = (opts: SandboxStartOptions) => Promise<RunningSandbox>;

/** One entry per connector that ships a sandbox. */
export const SANDBOX_STARTERS: Readonly<Record<string, SandboxStarter>> = {
  hubspot: async (opts) => {
    const s = await startHubSpotSandbox(opts);
    return {
      vendor: 'hubspot',
      url: s.url,
      credentials: { accessToken: s.privateAppToken },
      config: { blogId: s.blogId },
      violations: () => s.violations(),
      close: () => s.close(),
    };
  },
  marketo: async (opts) => {
    const s = await startMarketoSandbox(opts);
    return {
      vendor: 'marketo',
      url: s.url,
      credentials: { ...s.credentials },
      // The seeded "Switchboard" program folder, "Images and Files" folder and "Switchboard Basic" template.
      config: { programFolderId: 33, fileFolderId: 40, emailTemplateId: 1, defaultChannel: 'Content' },
      violations: () => s.violations(),
      close: () => s.close(),
    };
  },
};

export function listSandboxVendors(): string[] {
  return Object.keys(SANDBOX_STARTERS).sort();
}

/** Starts the named sandboxes (all when none is named); stops the ones already started if one fails. */
export async function startSandboxes(
  vendors: readonly string[] = [],
  opts: SandboxStartOptions = {},
): Promise<RunningSandbox[]> {
  const wanted = vendors.length ? vendors : listSandboxVendors();
  const unknown = wanted.filter((v) => !SANDBOX_STARTERS[v]);
  if (unknown.length) {
    throw new Error(`No sandbox for ${unknown.join(', ')}; available: ${listSandboxVendors().join(', ')}`);
  }
  const started: RunningSandbox[] = [];
  try {
    for (const v of wanted) started.push(await SANDBOX_STARTERS[v]!(opts));
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw e;
  }
  return started;
}
