/**
 * A worker node in a child process for the multi-process tests: spawned with tsx, ready once it prints its JSON
 * line `{ workerId, pid }` on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface WorkerProcess {
  child: ChildProcess;
  workerId: string;
  pid: number;
  exited: Promise<Exit>;
}

export async function spawnWorkerProcess(script: string, args: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<{ workerId: string; pid: number }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('worker process did not become ready in 30 s')), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { workerId: string; pid: number });
    });
    void exited.then((e) => reject(new Error(`worker process exited before ready: ${JSON.stringify(e)}`)));
  });
  return { child, exited, ...ready };
}

/** A graceful stop that hangs is a failure, not a test timeout: SIGKILL after `ms` and report the signal. */
export async function waitForExit(w: WorkerProcess, ms: number): Promise<Exit> {
  const timer = setTimeout(() => w.child.kill('SIGKILL'), ms);
  try {
    return await w.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `check` every `everyMs` until it holds (true) or `timeoutMs` passed (false). */
export async function pollUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 25,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= deadline) return false;
    await new Promise<void>((r) => setTimeout(r, everyMs));
  }
}
