import type { Policy } from './policy.js';

/** The built web app (src/server/platform/http/web-static.ts): public shell; its API calls are authorized. */
export const WEB_ROUTES: Record<string, Policy> = {
  'GET /': 'public',
  'GET /*': 'public',
};
