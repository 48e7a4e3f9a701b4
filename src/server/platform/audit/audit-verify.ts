/**
 * `verifyAuditChain`: recomputes every workspace's hash chain from the stored rows (DESIGN §6,
 * `switchboard audit verify`). Reads page by page; safe to run while entries are being recorded, because it checks
 * up to the head it read first and every entry up to that head was committed before (ADR 0004).
 */
import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import { ChainVerifier, type ChainBreak } from './audit-hash.js';
import { entryToChain, readChainPage } from './audit.repo.js';

export interface AuditVerifyResult {
  ok: boolean;
  /** Entries whose hash and link were verified. */
  checked: number;
  /** Workspaces whose chain was checked. */
  workspaces: number;
  /** The first broken entry (workspaces in id order, entries in seq order). */
  firstBroken?: ChainBreak;
}

const PAGE = 1000;

function executorOf(db: Db | Executor): Executor {
  return 'kysely' in db ? db.kysely : db;
}

/** Verifies one workspace's chain, or every workspace that has audit entries when `workspaceId` is omitted. */
export async function verifyAuditChain(db: Db | Executor, workspaceId?: string): Promise<AuditVerifyResult> {
  const executor = executorOf(db);
  const workspaceIds =
    workspaceId !== undefined
      ? [workspaceId.toLowerCase()]
      : (
          await sql<{ id: string }>`
            SELECT w.id FROM workspaces w
            WHERE EXISTS (SELECT 1 FROM audit_chain_head h WHERE h.workspace_id = w.id)
               OR EXISTS (SELECT 1 FROM audit_log a WHERE a.workspace_id = w.id)
            ORDER BY w.id
          `.execute(executor)
        ).rows.map((r) => r.id);

  let checked = 0;
  for (const ws of workspaceIds) {
    const headRow = await executor
      .selectFrom('audit_chain_head')
      .select(['last_seq', 'last_hash'])
      .where('workspace_id', '=', ws)
      .executeTakeFirst();
    const head = headRow ? { lastSeq: Number(headRow.last_seq), lastHash: headRow.last_hash } : null;
    // Without a head row (deleted), check everything stored; `finish` then reports the mismatch.
    const upTo = head?.lastSeq ?? Number.MAX_SAFE_INTEGER;
    const verifier = new ChainVerifier(ws);
    let after = 0;
    let broken: ChainBreak | null = null;
    for (;;) {
      const page = await readChainPage(executor, ws, after, upTo, PAGE);
      for (const entry of page) {
        broken = verifier.check(entryToChain(entry));
        if (broken) break;
      }
      const last = page[page.length - 1];
      if (broken || !last || page.length < PAGE) break;
      after = last.seq;
    }
    broken ??= verifier.finish(head);
    checked += verifier.checked;
    if (broken) return { ok: false, checked, workspaces: workspaceIds.indexOf(ws) + 1, firstBroken: broken };
  }
  return { ok: true, checked, workspaces: workspaceIds.length };
}
