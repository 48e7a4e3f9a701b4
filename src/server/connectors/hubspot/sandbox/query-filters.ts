/**
 * HubSpot's CMS list filters: `<property>__<operator>=<value>` query parameters (`eq`, `ne`, `contains`, `icontains`,
 * `lt`, `lte`, `gt`, `gte`, `in`, `not_null`), a bare `<property>=<value>` for equality, `createdAfter`/`createdBefore`,
 * and `sort=<property>` / `sort=-<property>`.
 */
const RESERVED = new Set(['after', 'before', 'limit', 'archived', 'sort', 'property', 'properties']);

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function readLimit(query: Record<string, string>, fallback: number, max: number): number {
  const n = Number(query['limit'] ?? fallback);
  if (!Number.isInteger(n) || n < 1) return fallback;
  return Math.min(n, max);
}

export function applyListFilters<T extends Record<string, unknown>>(
  items: readonly T[],
  query: Record<string, string>,
  createdField: string,
): T[] {
  let out = items.filter((item) => {
    for (const [key, value] of Object.entries(query)) {
      if (RESERVED.has(key) || typeof value !== 'string') continue;
      if (key === 'createdAfter' || key === 'createdBefore') {
        const at = Date.parse(String(item[createdField] ?? ''));
        const bound = Date.parse(value);
        if (Number.isNaN(bound)) continue;
        if (key === 'createdAfter' ? !(at > bound) : !(at < bound)) return false;
        continue;
      }
      const [prop, op = 'eq'] = key.split('__', 2) as [string, string?];
      if (!(prop in item)) continue;
      if (!matches(item[prop], op, value)) return false;
    }
    return true;
  });
  const sort = query['sort'];
  if (sort) {
    const desc = sort.startsWith('-');
    const prop = desc ? sort.slice(1) : sort;
    out = [...out].sort((a, b) => compare(a[prop], b[prop]) * (desc ? -1 : 1));
  }
  return out;
}

function matches(actual: unknown, op: string, expected: string): boolean {
  const text = Array.isArray(actual) ? actual.map(String) : [String(actual ?? '')];
  switch (op) {
    case 'eq':
      return text.includes(expected);
    case 'ne':
      return !text.includes(expected);
    case 'contains':
      return text.some((t) => t.includes(expected));
    case 'icontains':
      return text.some((t) => t.toLowerCase().includes(expected.toLowerCase()));
    case 'in':
      return expected.split(',').some((e) => text.includes(e));
    case 'not_null':
      return actual !== null && actual !== undefined && actual !== '';
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const c = compare(actual, expected);
      return op === 'lt' ? c < 0 : op === 'lte' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0;
    }
    default:
      return true;
  }
}

function compare(a: unknown, b: unknown): number {
  const na = Number(a);
  const nb = Number(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return String(a ?? '').localeCompare(String(b ?? ''));
}
