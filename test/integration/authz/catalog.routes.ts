import type { Policy } from './policy.js';

/** catalog module routes → the policy action each must declare. */
export const CATALOG_ROUTES: Record<string, Policy> = {};
