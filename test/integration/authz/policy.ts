import type { Action } from '../../../src/server/platform/auth/index.js';

export type Policy = Action | 'public';
