/**
 * The real thing for browser journeys: builds the web app when stale, then starts `switchboard serve` (from
 * source) on a free port with a fresh embedded database in a temporary data dir. `api` is a tiny cookie-keeping HTTP
 * client for the setup a journey is not about (creating members, seeding content).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../../support/spawn-server.js';

export interface WebServer {
  url: string;
  /** The owner's one-time password printed at first run. */
  oneTimePassword: string;
  ownerEmail: string;
  server: ServerProcess;
  stop(): Promise<void>;
}

export function buildWebApp(): void {
  // Vitest runs with NODE_ENV=test, which Vite would bake into the bundle (React's development build, ~50% larger
  // and slower): the journeys and the bench must measure what ships.
  const r = spawnSync(process.execPath, ['scripts/ensure-build.mjs', '--web'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error('building the web app failed');
}

/** `env` adds settings of the server process (e.g. a quick dead letter for the delivery journeys). */
export async function startWebServer(opts: { env?: Record<string, string> } = {}): Promise<WebServer> {
  buildWebApp();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-browser-'));
  const server = await startServerProcess({
    env: {
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_HOST: '127.0.0.1',
      SWITCHBOARD_LOG_LEVEL: 'info',
      ...opts.env,
    },
    timeoutMs: 90_000,
  });
  // The password banner is printed right after the listen log line.
  let otp: RegExpExecArray | null = null;
  for (let i = 0; i < 50 && !otp; i++) {
    otp = /One-time password: (\S+)/.exec(server.output());
    if (!otp) await new Promise((r) => setTimeout(r, 100));
  }
  const email = /owner account (\S+?)\.?\s*$/m.exec(server.output())?.[1] ?? 'owner@switchboard.local';
  if (!otp) throw new Error(`no one-time password in the server output:\n${server.output()}`);
  return {
    url: server.url,
    oneTimePassword: otp[1]!,
    ownerEmail: email,
    server,
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signed-in HTTP session (cookie + CSRF), for setup steps. */
export class ApiSession {
  private cookie = '';
  private csrf = '';
  constructor(private readonly baseUrl: string) {}

  static async login(baseUrl: string, email: string, password: string): Promise<ApiSession> {
    const s = new ApiSession(baseUrl);
    const res = await s.request<{ csrfToken: string }>('POST', '/api/v1/auth/login', { email, password });
    s.csrf = res.csrfToken;
    return s;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = res.headers.getSetCookie();
    for (const c of set) if (c.startsWith('sb_session=')) this.cookie = c.split(';')[0]!;
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    const json = text ? (JSON.parse(text) as T & { csrfToken?: string }) : (undefined as T);
    if (json && typeof json === 'object' && 'csrfToken' in json && typeof json.csrfToken === 'string')
      this.csrf = json.csrfToken;
    return json;
  }

  /** Creates a member with a password they can sign in with directly. */
  async createMember(email: string, name: string, role: string, password: string): Promise<{ id: string }> {
    return this.request('POST', '/api/v1/users', { email, name, role, password, mustChangePassword: false });
  }
}
