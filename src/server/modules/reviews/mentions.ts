/**
 * @mentions in comment bodies. `@alice@example.com` names a member by email; `@alice` by the local part of their
 * email, when exactly one member has it. Anything else stays plain text (an `@` in prose is not an error).
 */

/** Handles written in `body`, lower-cased, without the leading `@`, deduplicated, in order of appearance. */
export function extractMentionHandles(body: string): string[] {
  const out = new Set<string>();
  // Preceded by start or a non-word character so that `bob@example.com` in prose is not read as a mention.
  for (const m of body.matchAll(
    /(?:^|[^\w.@])@([a-z0-9._%+-]+(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})?)/gi,
  )) {
    const handle = m[1]!.replace(/[._-]+$/, '').toLowerCase();
    if (handle) out.add(handle);
  }
  return [...out];
}

export interface MemberHandle {
  userId: string;
  email: string;
}

/** Resolves handles against the workspace's members; unknown or ambiguous handles are dropped. */
export function resolveMentions(handles: string[], members: MemberHandle[]): string[] {
  const byEmail = new Map(members.map((m) => [m.email.toLowerCase(), m.userId]));
  const byLocal = new Map<string, string | null>();
  for (const m of members) {
    const local = m.email.toLowerCase().split('@')[0]!;
    byLocal.set(local, byLocal.has(local) ? null : m.userId);
  }
  const ids = new Set<string>();
  for (const h of handles) {
    const id = h.includes('@') ? byEmail.get(h) : byLocal.get(h);
    if (id) ids.add(id);
  }
  return [...ids];
}
