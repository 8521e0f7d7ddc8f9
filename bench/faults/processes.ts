import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';

const ROOT = new URL('../../', import.meta.url).pathname;

/** A port free right now (the process started on it next claims it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One backing process, restartable on the same port (so everything pointing at it finds it again). */
export class ManagedProcess {
  readonly name: string;
  readonly port: number;
  readonly #args: readonly string[];
  readonly #logFile: string;
  #child: ChildProcess | undefined;

  constructor(name: string, port: number, args: readonly string[], logDir: string) {
    this.name = name;
    this.port = port;
    this.#args = args;
    mkdirSync(logDir, { recursive: true });
    this.#logFile = `${logDir}/${name}.log`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const log = openSync(this.#logFile, 'a');
    // The same way of running TypeScript as this process (a loader today, Node's own type stripping later).
    this.#child = spawn(process.execPath, [...this.#args], { cwd: ROOT, stdio: ['ignore', log, log] });
    // Generous: on a shared 2-core machine eleven processes start at once.
    await this.waitHealthy(90_000);
  }

  async waitHealthy(timeoutMs: number, path = '/health'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#child?.exitCode !== null && this.#child?.exitCode !== undefined) throw new Error(`${this.name} exited (${this.#child.exitCode}); see ${this.#logFile}`);
      try {
        const r = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(1000) });
        if (r.ok) return;
      } catch {
        // not yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not healthy within ${timeoutMs} ms; see ${this.#logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  /** SIGKILL: gone at once, as a crashed host. */
  kill(): Promise<void> {
    return this.#end('SIGKILL');
  }

  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void> {
    return this.#end('SIGTERM', 5000);
  }

  async #end(signal: NodeJS.Signals, graceMs?: number): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // A paused (SIGSTOP) process handles no signal but SIGKILL until continued.
    child.kill('SIGCONT');
    child.kill(signal);
    const force = graceMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(force);
  }
}
