/**
 * A client for a running sandbox's control endpoints, for the CLI, the demo and tests in another process.
 */
import type { ActiveFault, FaultSpec } from './fault-controller.js';
import { SANDBOX_CONTROL_PREFIX } from './sandbox-server.js';

export interface SandboxControl {
  inject(spec: FaultSpec | FaultSpec[]): Promise<ActiveFault[]>;
  clear(): Promise<void>;
  state(): Promise<Record<string, unknown>>;
}

export function createSandboxControl(baseUrl: string): SandboxControl {
  const url = (p: string): string => new URL(`${SANDBOX_CONTROL_PREFIX}${p}`, baseUrl).toString();
  return {
    async inject(spec) {
      const res = await fetch(url('/faults'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(Array.isArray(spec) ? { faults: spec } : spec),
      });
      const body = (await res.json()) as { faults?: ActiveFault[]; message?: string };
      if (res.status !== 201 || !body.faults)
        throw new Error(`sandbox refused the fault: ${body.message ?? res.status}`);
      return body.faults;
    },
    async clear() {
      const res = await fetch(url('/faults'), { method: 'DELETE' });
      if (res.status !== 204) throw new Error(`sandbox did not clear faults: ${res.status}`);
    },
    async state() {
      const res = await fetch(url('/state'));
      return (await res.json()) as Record<string, unknown>;
    },
  };
}
