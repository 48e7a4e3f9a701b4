/**
 * The process-wide event bus: ONE subscription to the `switchboard_events` NOTIFY channel per process, fanned out
 * to local listeners (SSE connections, later webhooks/notifications) per workspace.
 *
 * A notification carries only `{ workspaceId, seq }`. For each workspace that has listeners the bus reads the new
 * rows once (`seq > cursor`, complete thanks to the per-workspace sequence, ADR 0004) and hands the same batch to
 * every listener, so N clients cost one query, not N.
 *
 * Listeners get every event of their workspace in seq order; a listener must still treat the first batch it sees
 * (and anything after a bus error) as possibly non-contiguous with its own position — `followEvents` fills such
 * gaps from the database. A slow safety poll covers notifications lost while the LISTEN connection reconnects.
 */
import type { Db } from '../db/index.js';
import type { Logger } from '../logger.js';
import {
  EVENTS_CHANNEL,
  listEvents,
  readEventHead,
  readEventHeads,
  type DomainEvent,
} from './events.repo.js';

export type EventListener = (events: DomainEvent[]) => void;

export interface EventBusOptions {
  db: Db;
  logger: Logger;
  /** Safety poll for lost notifications; default 10 s. */
  pollIntervalMs?: number;
  /** Rows read per query when catching up; default 500. */
  batchSize?: number;
}

interface WorkspaceFeed {
  readonly workspaceId: string;
  readonly listeners: Set<EventListener>;
  /** Highest seq handed to listeners; null until initialised from the workspace head. */
  cursor: number | null;
  /** Highest seq known to be committed. */
  target: number;
  pumping: boolean;
}

export class EventBus {
  private readonly feeds = new Map<string, WorkspaceFeed>();
  private readonly appendListeners = new Set<(workspaceId: string, seq: number) => void>();
  private unlisten: (() => Promise<void>) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly batchSize: number;

  constructor(private readonly opts: EventBusOptions) {
    this.batchSize = opts.batchSize ?? 500;
  }

  /** Subscribes to NOTIFY; call once at startup. */
  async start(): Promise<void> {
    if (this.unlisten) return;
    this.stopped = false;
    this.unlisten = await this.opts.db.listen(EVENTS_CHANNEL, (payload) => this.handleNotification(payload));
    this.pollTimer = setInterval(() => void this.pollHeads(), this.opts.pollIntervalMs ?? 10_000);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const unlisten = this.unlisten;
    this.unlisten = null;
    await unlisten?.().catch(() => {});
    this.feeds.clear();
  }

  /** Number of local listeners (all workspaces). */
  listenerCount(): number {
    let n = 0;
    for (const feed of this.feeds.values()) n += feed.listeners.size;
    return n;
  }

  /**
   * Calls `listener` with every append notification (any workspace), before any row is read: cheap wake-ups for
   * readers that keep their own cursors (the event consumer runner). Returns the unsubscribe function.
   */
  onAppended(listener: (workspaceId: string, seq: number) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Starts delivering new events of `workspaceId` to `listener`; returns the unsubscribe function. */
  subscribe(workspaceId: string, listener: EventListener): () => void {
    let feed = this.feeds.get(workspaceId);
    if (!feed) {
      feed = { workspaceId, listeners: new Set(), cursor: null, target: 0, pumping: false };
      this.feeds.set(workspaceId, feed);
      void this.initialiseFeed(feed);
    }
    feed.listeners.add(listener);
    const current = feed;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && this.feeds.get(workspaceId) === current)
        this.feeds.delete(workspaceId);
    };
  }

  private async initialiseFeed(feed: WorkspaceFeed): Promise<void> {
    try {
      const head = await readEventHead(this.opts.db.kysely, feed.workspaceId);
      if (feed.cursor === null) feed.cursor = head;
      feed.target = Math.max(feed.target, head);
      void this.pump(feed);
    } catch (err) {
      // The safety poll retries the initialisation.
      this.opts.logger.warn(
        { err, workspace_id: feed.workspaceId },
        'event bus: could not read the event head',
      );
    }
  }

  private handleNotification(payload: string): void {
    let note: { workspaceId?: unknown; seq?: unknown };
    try {
      note = JSON.parse(payload) as typeof note;
    } catch {
      return;
    }
    if (typeof note.workspaceId !== 'string' || typeof note.seq !== 'number') return;
    for (const listener of this.appendListeners) listener(note.workspaceId, note.seq);
    const feed = this.feeds.get(note.workspaceId);
    if (!feed) return;
    feed.target = Math.max(feed.target, note.seq);
    void this.pump(feed);
  }

  /** Reads and delivers everything between the cursor and the target; one pump per workspace at a time. */
  private async pump(feed: WorkspaceFeed): Promise<void> {
    if (feed.pumping || feed.cursor === null || this.stopped) return;
    feed.pumping = true;
    try {
      while (feed.cursor < feed.target && this.feeds.get(feed.workspaceId) === feed && !this.stopped) {
        const rows = await listEvents(this.opts.db.kysely, {
          workspaceId: feed.workspaceId,
          after: feed.cursor,
          limit: this.batchSize,
        });
        const last = rows[rows.length - 1];
        if (!last) {
          // Nothing visible up to the target (rows deleted with their workspace): stop rather than spin.
          feed.cursor = feed.target;
          break;
        }
        feed.cursor = last.seq;
        feed.target = Math.max(feed.target, last.seq);
        for (const listener of [...feed.listeners]) {
          try {
            listener(rows);
          } catch (err) {
            this.opts.logger.error({ err, workspace_id: feed.workspaceId }, 'event bus: listener failed');
          }
        }
      }
    } catch (err) {
      this.opts.logger.warn(
        { err, workspace_id: feed.workspaceId },
        'event bus: catching up failed; will retry',
      );
    } finally {
      feed.pumping = false;
    }
  }

  /** Safety net: compares each active workspace's committed head with what was delivered. */
  private async pollHeads(): Promise<void> {
    if (this.stopped || this.feeds.size === 0) return;
    try {
      const heads = await readEventHeads(this.opts.db.kysely, [...this.feeds.keys()]);
      for (const feed of this.feeds.values()) {
        const head = heads.get(feed.workspaceId) ?? 0;
        if (feed.cursor === null) feed.cursor = head;
        feed.target = Math.max(feed.target, head);
        void this.pump(feed);
      }
    } catch (err) {
      this.opts.logger.warn({ err }, 'event bus: safety poll failed');
    }
  }
}
