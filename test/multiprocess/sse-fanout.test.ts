/**
 * Multi-node fan-out (DESIGN §6, PostgreSQL only): two real `switchboard serve` processes on one database. Events
 * appended through either process reach SSE clients connected to both, in sequence order, with no gap and no
 * duplicate; a client that disconnects from one node resumes on the OTHER node with Last-Event-ID.
 *
 * Prints the cross-process delivery latency (POST sent to node A → frame received from node B).
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTestEnv } from '../../src/server/config.js';
import {
  createToken,
  createUser,
  createWorkspace,
  type Actor,
} from '../../src/server/platform/auth/index.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { migrate, openDatabase } from '../../src/server/platform/db/index.js';
import { databaseUrlFor, withAdmin } from '../support/pg-template.js';
import { startServerProcess } from '../support/spawn-server.js';

const EVENTS = 40;
const { databaseUrl } = readTestEnv();

if (!databaseUrl) {
  console.warn(
    'sse-fanout: skipped — multi-node fan-out needs PostgreSQL; set TEST_DATABASE_URL=postgres://…',
  );
}

interface Node {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  receivedAt: number;
}

describe.skipIf(!databaseUrl)('SSE fan-out across server processes (needs TEST_DATABASE_URL)', () => {
  const adminUrl = databaseUrl ?? '';
  const dbName = `sb_sse_${process.pid}_${randomBytes(3).toString('hex')}`;
  let url = '';
  let token = '';
  const nodes: Node[] = [];

  beforeAll(async () => {
    await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${dbName}`));
    url = databaseUrlFor(adminUrl, dbName);
    const db = await openDatabase({ url, poolSize: 2, applicationName: 'sse-fanout-setup' });
    try {
      await migrate(db);
      const ws = await createWorkspace(db.kysely, { slug: 'fanout', name: 'Fan-out' });
      const user = await createUser(db.kysely, {
        email: 'fanout@example.com',
        workspaceId: ws.id,
        role: 'owner',
      });
      const owner: Actor = {
        kind: 'user',
        userId: user.id,
        tokenId: null,
        workspaceId: ws.id,
        role: 'owner',
        origin: 'cli',
      };
      token = (await createToken(db.kysely, systemClock, owner, { name: 'fanout', role: 'editor' })).token;
    } finally {
      await db.close();
    }
    nodes.push(...(await Promise.all([startNode(url), startNode(url)])));
  });

  afterAll(async () => {
    for (const n of nodes)
      if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    if (adminUrl) await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  });

  const auth = () => ({ authorization: `Bearer ${token}` });

  async function postEvent(
    node: Node,
    i: number,
  ): Promise<{ seq: number; sentAt: number; answeredAt: number }> {
    const sentAt = performance.now();
    const res = await fetch(`${node.url}/api/v1/events`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'crm.contact_synced', subject: `contact:${i}`, payload: { i } }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { seq: number };
    return { seq: body.seq, sentAt, answeredAt: performance.now() };
  }

  it('delivers events written through one process to SSE clients on both, and resumes on the other node', async () => {
    const [a, b] = nodes as [Node, Node];
    const onA = await openStream(`${a.url}/api/v1/events/stream?after=0`, auth());
    const onB = await openStream(`${b.url}/api/v1/events/stream?after=0`, auth());
    await Promise.all([onA.connected(), onB.connected()]);

    // Alternate the writer: half the events go through A, half through B.
    const posted: { seq: number; sentAt: number; answeredAt: number; via: 'a' | 'b' }[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const via = i % 2 === 0 ? 'a' : 'b';
      posted.push({ ...(await postEvent(via === 'a' ? a : b, i)), via });
    }
    const expected = Array.from({ length: EVENTS }, (_, i) => i + 1);
    expect(posted.map((p) => p.seq)).toEqual(expected);
    await Promise.all([onA.waitForEvents(EVENTS), onB.waitForEvents(EVENTS)]);
    expect(onA.seqs()).toEqual(expected);
    expect(onB.seqs()).toEqual(expected);

    // Cross-process latency, from the POST being sent to node A until the frame arrives from node B (and vice
    // versa); "after answer" is often 0: the NOTIFY can beat the HTTP response back to the client.
    const fromSent: number[] = [];
    const afterAnswer: number[] = [];
    for (const p of posted) {
      const other = p.via === 'a' ? onB : onA;
      const frame = other.frames.find((f) => Number(f.id) === p.seq)!;
      fromSent.push(frame.receivedAt - p.sentAt);
      afterAnswer.push(Math.max(0, frame.receivedAt - p.answeredAt));
    }
    const pct = (xs: number[], q: number) =>
      [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(1);
    console.log(
      `sse-fanout: ${EVENTS} events across 2 processes; POST sent → frame on the other node: ` +
        `p50 ${pct(fromSent, 0.5)} ms, p95 ${pct(fromSent, 0.95)} ms, max ${pct(fromSent, 1)} ms; ` +
        `after the POST was answered: p50 ${pct(afterAnswer, 0.5)} ms, p95 ${pct(afterAnswer, 0.95)} ms`,
    );

    // Disconnect from B, write more through A, resume on A with the last id seen on B.
    const lastId = onB.frames.filter((f) => f.id).at(-1)!.id!;
    await onB.close();
    for (let i = EVENTS; i < EVENTS + 5; i++) await postEvent(a, i);
    const resumed = await openStream(`${a.url}/api/v1/events/stream`, { ...auth(), 'last-event-id': lastId });
    await resumed.waitForEvents(5);
    await postEvent(b, EVENTS + 5);
    await resumed.waitForEvents(6);
    expect(resumed.seqs()).toEqual(Array.from({ length: 6 }, (_, i) => EVENTS + 1 + i));
    await Promise.all([resumed.close(), onA.close()]);
  });
});

async function startNode(url: string): Promise<Node> {
  const server = await startServerProcess({
    env: {
      DATABASE_URL: url,
      SWITCHBOARD_ROLES: 'api',
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-sse-node-')),
      SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
      SWITCHBOARD_DB_POOL_SIZE: '4',
    },
  });
  return { child: server.child, url: server.url, exited: server.exited };
}

/** A minimal SSE client over fetch; frames are timestamped on arrival. */
async function openStream(href: string, headers: Record<string, string>) {
  // node:http rather than fetch: after an abort, fetch (undici) opens a spare idle connection that would keep the
  // server's close() waiting for its keep-alive timeout.
  const req = http.get(href, { headers, agent: false });
  req.on('error', () => {});
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  if (res.statusCode !== 200) throw new Error(`stream ${href}: HTTP ${res.statusCode}`);
  const frames: Frame[] = [];
  let text = '';
  res.setEncoding('utf8');
  res.on('error', () => {});
  res.on('data', (chunk: string) => {
    text += chunk;
    let end;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const frame: Frame = { receivedAt: performance.now() };
      for (const line of text.slice(0, end).split('\n')) {
        const i = line.indexOf(':');
        const field = line.slice(0, i);
        const value = line.slice(i + 1).replace(/^ /, '');
        if (field === '') frame.comment = value;
        else if (field === 'id' || field === 'event' || field === 'data') frame[field] = value;
      }
      text = text.slice(end + 2);
      frames.push(frame);
    }
  });
  const closed = new Promise((resolve) => res.once('close', resolve));
  const events = () => frames.filter((f) => f.id !== undefined);
  const until = async (cond: () => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`${href}: ${what} (got ${events().length} events)`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    frames,
    seqs: () => events().map((f) => Number(f.id)),
    connected: () => until(() => frames.some((f) => f.comment === 'connected'), 'no connected comment'),
    waitForEvents: (n: number) => until(() => events().length >= n, `expected ${n} events`),
    async close() {
      req.destroy();
      await closed;
    },
  };
}
