import type { Policy } from './policy.js';

/** review module routes → the policy action each must declare. */
export const REVIEW_ROUTES: Record<string, Policy> = {};
