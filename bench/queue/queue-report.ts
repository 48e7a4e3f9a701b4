/**
 * The queue bench's printed tables and target verdicts. Enqueue figures are per system; processing figures are
 * per worker variant. Targets compare ours with each anchor's best variant on the same PostgreSQL.
 */
import type { Measurement } from '../support/measure.js';
import { printTable, type Cell } from '../support/report.js';

export type Platform = 'postgres' | 'pglite-memory' | 'pglite-file';

export type Scenario = 'enqueue' | 'enqueueMany' | 'outbox' | 'process' | 'pickup';

export interface ResultRow {
  system: string;
  platform: Platform;
  anchor: boolean;
  scenario: Scenario;
  /** Worker variant for process/pickup rows; null for enqueue rows. */
  variant: string | null;
  result: Measurement;
}

export interface TargetResult {
  target: string;
  ours: number | undefined;
  reference: string;
  ratio: string;
  /** null when a side was not measured (e.g. PostgreSQL unreachable). */
  pass: boolean | null;
}

export function printQueueResults(rows: readonly ResultRow[], concurrency: number, batchSize: number): void {
  const systems = [...new Set(rows.map((r) => r.system))];
  const find = (system: string, scenario: Scenario, variant: string | null = null) =>
    rows.find((r) => r.system === system && r.scenario === scenario && r.variant === variant)?.result;

  console.log(`Enqueue (${concurrency} concurrent callers for the per-transaction columns)`);
  printTable(
    [
      'system',
      '1 job/tx: jobs/s',
      'p50 ms',
      'p99 ms',
      `${batchSize}/stmt: jobs/s`,
      'outbox tx/s',
      'p50 ms',
      'p99 ms',
    ],
    systems.map((s): Cell[] => {
      const one = find(s, 'enqueue');
      const many = find(s, 'enqueueMany');
      const outbox = find(s, 'outbox');
      return [
        s,
        one?.perSecond,
        one?.p50Ms,
        one?.p99Ms,
        many?.perSecond,
        outbox?.perSecond,
        outbox?.p50Ms,
        outbox?.p99Ms,
      ];
    }),
  );
  console.log('');
  console.log(
    `Processing (claim → no-op handler → complete, concurrency ${concurrency}; pickup = enqueue → handler start, idle workers)`,
  );
  printTable(
    ['system', 'workers', 'jobs', 'jobs/s', 'pickup p50 ms', 'pickup p99 ms', 'note'],
    rows
      .filter((r) => r.scenario === 'process')
      .map((r): Cell[] => {
        const pickup = find(r.system, 'pickup', r.variant);
        const notes = [
          r.result.capped ? `stopped at the ${Math.round(r.result.ms / 1000)} s budget` : '',
          pickup?.capped ? `pickup: budget reached after ${pickup.count} jobs` : '',
        ].filter(Boolean);
        return [
          r.system,
          r.variant ?? '',
          r.result.count,
          r.result.perSecond,
          pickup?.p50Ms,
          pickup?.p99Ms,
          notes.join('; '),
        ];
      }),
  );
}

/** Best processing rate over the variants of the systems matching `match`. */
function bestProcessing(
  rows: readonly ResultRow[],
  match: (r: ResultRow) => boolean,
): { rate: number; variant: string } | undefined {
  const best = rows
    .filter((r) => r.scenario === 'process' && match(r))
    .sort((a, b) => b.result.perSecond - a.result.perSecond)[0];
  return best ? { rate: best.result.perSecond, variant: best.variant ?? '' } : undefined;
}

export function evaluateTargets(rows: readonly ResultRow[]): TargetResult[] {
  const oursPg = bestProcessing(rows, (r) => !r.anchor && r.platform === 'postgres');
  const ratioTarget = (anchor: string, factor: number): TargetResult => {
    const ref = bestProcessing(rows, (r) => r.anchor && r.system.startsWith(anchor));
    const ratio = oursPg && ref ? oursPg.rate / ref.rate : undefined;
    return {
      target: `PostgreSQL: ours ≥ ${factor}× ${anchor}'s best`,
      ours: oursPg?.rate,
      reference: ref ? `${ref.rate.toLocaleString('en-US')}/s (${ref.variant})` : 'not measured',
      ratio: ratio === undefined ? '-' : `${ratio.toFixed(2)}×`,
      pass: ratio === undefined ? null : ratio >= factor,
    };
  };
  const pgliteTarget = (platform: Platform, label: string): TargetResult => {
    const ours = bestProcessing(rows, (r) => r.platform === platform);
    return {
      target: `${label}: ours ≥ 10,000 jobs/s`,
      ours: ours?.rate,
      reference: '10,000/s',
      ratio: ours ? `${(ours.rate / 10_000).toFixed(2)}×` : '-',
      pass: ours ? ours.rate >= 10_000 : null,
    };
  };
  return [
    ratioTarget('graphile-worker', 1.5),
    ratioTarget('pg-boss', 3),
    pgliteTarget('pglite-memory', 'PGlite (memory)'),
    pgliteTarget('pglite-file', 'PGlite (file)'),
  ];
}

export function printTargets(targets: readonly TargetResult[]): void {
  console.log('Targets (informative; the bench exits 0 either way)');
  printTable(
    ['target', 'ours jobs/s', 'reference', 'ratio', 'result'],
    targets.map((t) => [
      t.target,
      t.ours,
      t.reference,
      t.ratio,
      t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS',
    ]),
  );
}
