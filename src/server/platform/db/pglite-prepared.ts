/**
 * Prepared statements on the embedded database (ADR 0011).
 *
 * Why: `PGlite.query()` runs every statement as an unnamed statement in five protocol round trips (Parse,
 * Describe statement, Bind, Describe portal, Execute, then Sync), so PostgreSQL parses, analyses and plans the same
 * text again on every call, inside the one thread that also serves HTTP. Our statements come from a fixed set of
 * code paths, so this keeps one named prepared statement per SQL text: the first use sends Parse + Describe + Sync
 * once and remembers the parameter types and the row description; every later use is ONE message (Bind + Execute +
 * Sync) and skips parse analysis and planning (PostgreSQL's plan cache decides generic vs custom plans as usual).
 *
 * Invariants:
 * - Results are built exactly as `PGlite.query()` builds them (`parseResults` with the instance's type parsers) and
 *   parameters serialised with the instance's serializers, so callers see no difference.
 * - The cache is per PGlite instance and bounded (least recently used statements are closed); any script
 *   (`exec`, e.g. a migration) clears it, so no statement prepared before a schema change is reused after it.
 * - Every call runs under PGlite's own query mutex (`_runExclusiveQuery`), like `query()`, so LISTEN and other
 *   direct PGlite users never interleave protocol messages with ours.
 */
import { parse, protocol, type PGlite, type Results } from '@electric-sql/pglite';

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

interface Prepared {
  name: string;
  paramTypes: number[];
  /** The row description message of the statement (null when it returns no rows). */
  rowDescription: BackendMessage | null;
}

const { serialize } = protocol;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export class PreparedStatements {
  private readonly cache = new Map<string, Prepared>();
  private counter = 0;
  /** Statement names are per session: a prefix per cache keeps two caches on one instance apart. */
  private readonly prefix = `sb${Math.random().toString(36).slice(2, 8)}_`;

  constructor(
    private readonly pg: PGlite,
    private readonly maxStatements = 500,
  ) {}

  /** Runs one parameterised statement through a cached named prepared statement. */
  query<R>(text: string, params: readonly unknown[]): Promise<Results<R>> {
    return this.pg._runExclusiveQuery(async () => {
      const st = this.cache.get(text) ?? (await this.prepare(text));
      // Most recently used last: the map's insertion order is the eviction order.
      this.cache.delete(text);
      this.cache.set(text, st);
      const values = params.map((p, i) => this.serializeParam(p, st.paramTypes[i]));
      const messages = await this.pg.execProtocolStream(
        concat([serialize.bind({ statement: st.name, values }), serialize.execute({}), serialize.sync()]),
        { syncToFs: false },
      );
      const ready = messages[messages.length - 1] as { name: string; status?: string } | undefined;
      if (ready?.name === 'readyForQuery' && ready.status === 'I') await this.pg.syncToFs();
      const withDescription = st.rowDescription ? [st.rowDescription, ...messages] : messages;
      return parse.parseResults(withDescription, this.pg.parsers)[0] as Results<R>;
    });
  }

  /** Forgets every prepared statement (after a script that may have changed the schema). */
  async reset(): Promise<void> {
    if (this.cache.size === 0) return;
    const names = [...this.cache.values()].map((st) => st.name);
    this.cache.clear();
    await this.pg.exec(names.map((n) => `DEALLOCATE ${n};`).join('\n'));
  }

  private serializeParam(p: unknown, oid: number | undefined): string | null {
    if (p === null || p === undefined) return null;
    const serializer = oid === undefined ? undefined : this.pg.serializers[oid];
    return serializer ? (serializer(p) as string) : String(p);
  }

  private async prepare(text: string): Promise<Prepared> {
    if (this.cache.size >= this.maxStatements) await this.evictOldest();
    const name = `${this.prefix}${++this.counter}`;
    const messages = await this.pg.execProtocolStream(
      concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]),
      { syncToFs: false },
    );
    const paramTypes = parse.parseDescribeStatementResults(messages);
    const rowDescription = messages.find((m) => m.name === 'rowDescription') ?? null;
    return { name, paramTypes, rowDescription };
  }

  private async evictOldest(): Promise<void> {
    const [text, st] = this.cache.entries().next().value as [string, Prepared];
    this.cache.delete(text);
    await this.pg.execProtocolStream(
      concat([serialize.close({ type: 'S', name: st.name }), serialize.sync()]),
      { syncToFs: false },
    );
  }
}

const perInstance = new WeakMap<PGlite, PreparedStatements>();

/** The statement cache of a PGlite instance (one per instance: statement names are per session). */
export function preparedStatementsFor(pg: PGlite): PreparedStatements {
  let p = perInstance.get(pg);
  if (!p) perInstance.set(pg, (p = new PreparedStatements(pg)));
  return p;
}
