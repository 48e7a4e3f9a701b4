import type { Policy } from './policy.js';

/** content module routes → the policy action each must declare. */
export const CONTENT_ROUTES: Record<string, Policy> = {};
