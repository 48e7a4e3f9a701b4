/**
 * Ingest first (ADR 0008, addendum 2026-12-06): while inbound webhooks arrive fast, this process acknowledges them
 * before it parses them.
 *
 * Why: a sender only needs its 2xx once the request is durably stored; parsing it into canonical events can wait.
 * On the embedded database both share one thread and one database session, and processing costs about as much as
 * storing, so under a burst processing halves how many requests per second the endpoint can acknowledge, and a
 * sender that times out retries and adds to the burst. So while this process receives more than `ratePerSecond`
 * inbound requests per second (measured over the last 250 ms, and until it has stayed below for 1 s), processing
 * jobs wait (in 50 ms steps), for at most `maxDeferMs` per hot spell — after that they run interleaved with ingest
 * as before, so sustained traffic never starves them. The event consumer runner waits the same way
 * (`waitWhileBusy`, registered in modules.ts): the events the processing appended are its backlog.
 *
 * Scope: per process. On PostgreSQL with separate api and worker processes the worker never sees the ingest rate
 * and processes at once; that is right, they do not share a CPU.
 *
 * Coalescing: one processing job per workspace runs at a time in this process. A job for a workspace that already
 * has one running returns at once and asks it for one more round, so the waiting never fills the worker's slots.
 * Nothing is lost if the process dies: the running job's lease expires and it runs again, and every job processes
 * all received rows of its workspace, not only its own. On the embedded database the writer does not even enqueue a
 * job while a run for the workspace goes on here (`joinRunning`): its single session means the run's next look
 * comes after the write's commit, and a crash re-runs the leased job.
 */
import type { BackgroundYield } from '../../platform/db/index.js';

/**
 * Width of one counting bucket, and the number of buckets the rate is measured over (250 ms). A short window notices a
 * burst while it starts: a sudden one in ~40 ms, one whose senders join over a second in ~250 ms, where a 1 s window
 * took ~150 and ~550 ms, and processing ran on meanwhile beside the first requests of the burst.
 */
const BUCKET_MS = 50;
const BUCKETS = 5;
/**
 * How long the rate must stay at or below the threshold before a hot spell ends. Noticing a burst fast must not mean
 * giving up on it fast: as a burst tails off (senders finishing one after another) the short window drops below the
 * threshold while requests still arrive, and a backlog of processing let loose then holds the database session for
 * whole rounds at a time in front of them (bench: p99 ~100 ms in the last second of a burst).
 */
const CALM_MS = 1_000;
/**
 * The onset of inbound activity (the first request after QUIET_MS without any): until it has lasted ONSET_MS, or
 * until QUIET_MS pass without a request, background work waits too. A window-measured rate cannot tell a burst
 * from a trickle in its first few hundred milliseconds (senders joining over a second cross 300/s only after
 * ~275 ms at 2,000/s, ~425 ms at 1,000/s), and processing rounds run meanwhile took turns with the first requests
 * of every burst (bench: p99 30–50 ms in a burst's first second, ~10 ms after). A lone webhook is processed
 * QUIET_MS after it arrived instead of at once.
 */
const QUIET_MS = 100;
const ONSET_MS = 500;
const WAIT_STEP_MS = 50;

export interface IngestPriorityOptions {
  /** Inbound requests per second above which processing waits; 0 turns ingest-first off. */
  ratePerSecond: number;
  /** The longest processing waits during one hot spell. */
  maxDeferMs: number;
  /**
   * Real elapsed time (monotonic), not the injected `Clock`: this is about how busy the process is now, and a test
   * clock that stands still would make a burst last forever. Tests pass a fake one with `sleep`.
   */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class IngestPriority implements BackgroundYield {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private bucketStart = 0;
  /** When the current hot spell began, and when the rate was last above the threshold (the spell ends CALM_MS later). */
  private hotSince = 0;
  private lastHotAt: number | null = null;
  /** The last inbound request, and the first one after a quiet spell (the onset of the current activity). */
  private lastIngestAt: number | null = null;
  private activeSince = 0;
  private readonly running = new Map<string, { again: boolean }>();
  /** Time processing spent waiting for ingest, for metrics and tests. */
  deferredMs = 0;

  private readonly now: () => number;

  constructor(private readonly opts: IngestPriorityOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** One inbound request was accepted for storing. */
  recordIngest(): void {
    this.roll();
    this.counts[BUCKETS - 1]! += 1;
    const now = this.now();
    if (this.lastIngestAt === null || now - this.lastIngestAt >= QUIET_MS) this.activeSince = now;
    this.lastIngestAt = now;
    if (this.opts.ratePerSecond <= 0 || this.rate() <= this.opts.ratePerSecond) return;
    if (!this.hot(now)) this.hotSince = now;
    this.lastHotAt = now;
  }

  /** Inbound requests per second over the last 250 ms. */
  rate(): number {
    this.roll();
    return this.counts.reduce((a, b) => a + b, 0) * (1000 / (BUCKET_MS * BUCKETS));
  }

  /**
   * Whether processing should wait now: ingest is hot (above the rate less than CALM_MS ago) and this hot spell has
   * not used up its deferral; or inbound activity has just begun and may be a burst (ONSET_MS).
   */
  shouldDefer(): boolean {
    if (this.opts.ratePerSecond <= 0) return false;
    const now = this.now();
    return (this.hot(now) && now - this.hotSince < this.opts.maxDeferMs) || this.onset(now);
  }

  private onset(now: number): boolean {
    return (
      this.lastIngestAt !== null && now - this.lastIngestAt < QUIET_MS && now - this.activeSince < ONSET_MS
    );
  }

  private hot(now: number): boolean {
    return this.lastHotAt !== null && now - this.lastHotAt < CALM_MS;
  }

  /** Processing waits while `shouldDefer()`; returns the time waited (counted in `deferredMs`). */
  async waitForIngest(): Promise<number> {
    const waited = await this.waitWhileBusy();
    this.deferredMs += waited;
    return waited;
  }

  /**
   * Other background work of this process waits the same way (BackgroundYield): the event consumer runner, whose
   * backlog after a burst's processing is as large as the burst — run beside the next burst, its passes and their
   * fsyncs took turns with ingest (bench: p99 30–60 ms in a burst's first seconds, ~10 ms after).
   */
  async waitWhileBusy(signal?: AbortSignal): Promise<number> {
    const started = this.now();
    while (this.shouldDefer() && !signal?.aborted) await (this.opts.sleep ?? realSleep)(WAIT_STEP_MS);
    return this.now() - started;
  }

  /**
   * If a run for the workspace is going on in this process, asks it for one more round (so it will see rows
   * committed from now on) and returns true; false when none runs.
   */
  joinRunning(workspaceId: string): boolean {
    const current = this.running.get(workspaceId);
    if (!current) return false;
    current.again = true;
    return true;
  }

  /**
   * Runs `process` for a workspace unless this process already runs it; then the running one does one more round
   * (so rows stored after its last look are not left behind) and this call returns at once.
   */
  async exclusive(workspaceId: string, process: () => Promise<void>): Promise<void> {
    if (this.joinRunning(workspaceId)) return;
    const state = { again: false };
    this.running.set(workspaceId, state);
    try {
      do {
        state.again = false;
        await process();
      } while (state.again);
    } finally {
      this.running.delete(workspaceId);
    }
  }

  private roll(): void {
    const bucket = Math.floor(this.now() / BUCKET_MS);
    const shift = Math.min(BUCKETS, bucket - this.bucketStart);
    if (shift <= 0) return;
    this.counts.splice(0, shift);
    for (let i = 0; i < shift; i++) this.counts.push(0);
    this.bucketStart = bucket;
  }
}
