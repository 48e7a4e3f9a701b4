/**
 * Starts a real `switchboard serve` child process (from source via tsx) and waits until it listens. Used by the
 * multi-process tests and the start-up smoke test. The child's JSON log lines are parsed; everything it prints is
 * kept in `output` for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processEnv } from '../../src/server/config.js';

const CLI = fileURLToPath(new URL('../../src/server/cli/main.ts', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Everything the process printed to stdout so far. */
  output: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startServerProcess(opts: {
  env: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--port', '0', ...(opts.args ?? [])],
    {
      env: { ...processEnv(), SWITCHBOARD_LOG_LEVEL: 'info', SWITCHBOARD_CONFIG_FILE: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let all = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`server did not listen within ${timeoutMs} ms:\n${all}`)),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early with code ${code}:\n${all}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      all += text;
      buffer += text;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          const log = JSON.parse(line) as { msg?: string; url?: string };
          if (log.msg === 'Switchboard listening' && log.url) {
            clearTimeout(timer);
            resolve(log.url.replace('localhost', '127.0.0.1'));
          }
        } catch {
          // not a JSON log line
        }
      }
    });
  });
  return {
    child,
    url,
    output: () => all,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `url` until it answers `status` (default 200) or the time runs out; returns the last response body. */
export async function waitForStatus(url: string, status = 200, timeoutMs = 20_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last: { status: number; body: unknown } | null = null;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      last = { status: res.status, body: await res.json().catch(() => null) };
      if (res.status === status) return last.body;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}
