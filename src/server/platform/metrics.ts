/**
 * One prom-client `Registry` per process (not the global one, so tests can build several apps). Areas receive it
 * as a dependency and register their own metrics on it.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry };

export function createMetricsRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The metric already registered under `name` (several apps or modules built on one registry share it), or the one
 * `make` registers.
 */
export function registeredMetric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
