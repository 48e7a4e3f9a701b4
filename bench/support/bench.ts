/**
 * The contract every `bench/<name>.bench.ts` exports, and the benchmark environment.
 * Benchmarks may read their own env vars here (never in src/, where only config.ts reads process.env).
 */
import { cpus, loadavg } from 'node:os';

export interface BenchOptions {
  /** Smaller N so CI can smoke-run the bench in under a minute. */
  quick: boolean;
  /** PostgreSQL server URL; each system gets its own scratch database on this server. */
  pgUrl: string;
}

/** A benchmark: prints its own tables; throws only when it cannot run at all. */
export interface Bench {
  run(opts: BenchOptions): Promise<void>;
}

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function readBenchDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  return env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL;
}

/** What the numbers were measured on; printed and stored with them because a shared 2-core box is noisy. */
export function describeHost(): { node: string; cpus: number; cpuModel: string; loadavg1m: number } {
  const list = cpus();
  return {
    node: process.version,
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
