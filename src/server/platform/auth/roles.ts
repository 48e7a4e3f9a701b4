/** Role strength, strongest last, and the "at least this role" helper the action tables use. */
import type { WorkspaceRole } from '../db/index.js';

export const ROLE_RANK: Record<WorkspaceRole, number> = {
  viewer: 0,
  editor: 1,
  reviewer: 2,
  publisher: 3,
  admin: 4,
  owner: 5,
};

export const atLeast = (min: WorkspaceRole): readonly WorkspaceRole[] =>
  (Object.keys(ROLE_RANK) as WorkspaceRole[]).filter((r) => ROLE_RANK[r] >= ROLE_RANK[min]);
