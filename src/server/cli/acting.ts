/**
 * Who a workspace command acts as: `--workspace <slug|id>` and optionally `--as <email>` (that member, with their
 * role, so the policy and workflow guards apply to them); without `--as`, the system (owner role) acting from the
 * CLI. The same convention as `switchboard content …`.
 */
import type { Command } from 'commander';
import {
  findUserByEmail,
  listWorkspaces,
  selectMemberWorkspace,
  systemActor,
  type Actor,
} from '../platform/auth/index.js';
import type { Executor } from '../platform/db/index.js';
import { NotFoundError } from '../platform/errors/index.js';

export interface ActingOpts {
  workspace: string;
  as?: string;
  json?: boolean;
}

/** Adds `--workspace`, `--as` and `--json` to a workspace command. */
export function withActingOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--as <email>', 'act as this member (default: the system)')
    .option('--json', 'machine-readable output');
}

/** 404 NOT_FOUND for an unknown workspace, user, or a user who is not a member of it. */
export async function resolveActingActor(db: Executor, opts: ActingOpts): Promise<Actor> {
  const ws = (await listWorkspaces(db)).find((w) => w.id === opts.workspace || w.slug === opts.workspace);
  if (!ws) throw new NotFoundError('Workspace', opts.workspace);
  if (!opts.as) return systemActor(ws.id, 'cli');
  const user = await findUserByEmail(db, opts.as);
  if (!user) throw new NotFoundError('User', opts.as);
  const member = await selectMemberWorkspace(db, user.id, ws.id);
  return {
    kind: 'user',
    userId: user.id,
    tokenId: null,
    workspaceId: ws.id,
    role: member.role,
    origin: 'cli',
  };
}
