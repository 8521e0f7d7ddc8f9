import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { isListeningMessage } from '../../common/lifecycle.ts';

/**
 * The development supervisor behind `npm start`: one child process per service, each
 * logged to its own file, probed until healthy, restarted with backoff when it dies
 * (or, with `failFast`, the first death stops everything), and stopped — SIGTERM, then
 * SIGKILL after a grace period — whatever way the supervisor itself is asked to end.
 * Children get an IPC channel so that they exit by themselves even if the supervisor is
 * SIGKILLed, and say on it when they hold their port (see common/lifecycle.ts): a health
 * answer counts only after that, for it may come from another program that took the port
 * between the launcher's check and the child's bind.
 */
export interface ProcessSpec {
  readonly name: string;
  readonly entry: string;
  readonly args: readonly string[];
  /** URL that answers 2xx once the process can serve (and has said it listens on this port). */
  readonly health: string;
}

export interface SupervisorOptions {
  readonly logDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly failFast: boolean;
  readonly say: (line: string) => void;
  readonly stopGraceMs?: number;
  /** Consecutive deaths before it is given up on (never reached ready in between). */
  readonly maxCrashLoop?: number;
}

type Phase = 'starting' | 'ready' | 'backing-off' | 'stopped';

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15_000];
/** Up this long, a process's next death starts the backoff afresh. */
const STABLE_MS = 30_000;
const OUTPUT_LINES = 40;

class Supervised {
  phase: Phase = 'starting';
  child: ChildProcess | undefined;
  startedAt = 0;
  restarts = 0;
  crashLoop = 0;
  lastProbe = 'not probed yet';
  /** The URL the live child said it listens on; undefined until it says so. */
  listening: string | undefined;
  readonly output: string[] = [];
  readonly log: WriteStream;
  readonly logPath: string;
  readonly spec: ProcessSpec;
  #partial = '';

  constructor(spec: ProcessSpec, logDir: string) {
    this.spec = spec;
    this.logPath = `${logDir}/${spec.name}.log`;
    this.log = createWriteStream(this.logPath, { flags: 'w' });
  }

  /** Keeps the last lines the process wrote, for the message when it fails. */
  capture(chunk: Buffer): void {
    this.log.write(chunk);
    const lines = (this.#partial + chunk.toString()).split('\n');
    this.#partial = lines.pop() ?? '';
    this.output.push(...lines.filter((l) => l.length > 0));
    if (this.output.length > OUTPUT_LINES) this.output.splice(0, this.output.length - OUTPUT_LINES);
  }

  /** CPU seconds the live process has used (Linux), to tell "busy loading" from "stuck". */
  cpuSeconds(): number | undefined {
    try {
      const fields = readFileSync(`/proc/${this.child?.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return undefined;
    }
  }

  describe(): string {
    const alive = this.child && this.child.exitCode === null && this.child.signalCode === null;
    const cpu = this.cpuSeconds();
    const state = alive ? `running (pid ${this.child!.pid}${cpu === undefined ? '' : `, ${cpu.toFixed(1)} s of CPU so far`})` : 'not running';
    const lines = [...this.output, ...(this.#partial ? [this.#partial] : [])];
    const output = lines.length > 0 ? lines.map((l) => `    ${l}`).join('\n') : '    (no output yet: still loading its modules, or stuck before its first log line)';
    return `${this.spec.name}: ${state}; waiting for ${this.spec.health} to answer 2xx, last answer: ${this.lastProbe}; its output (${this.logPath}):\n${output}`;
  }
}

export class Supervisor {
  readonly #processes: Supervised[];
  readonly #options: SupervisorOptions;
  #stopping: Promise<void> | undefined;
  #gaveUp: ((reason: string) => void) | undefined;
  /** Settles with a reason when a process dies under failFast, or crash-loops. */
  readonly failed: Promise<string>;

  constructor(specs: readonly ProcessSpec[], options: SupervisorOptions) {
    this.#options = options;
    this.#processes = specs.map((spec) => new Supervised(spec, options.logDir));
    this.failed = new Promise((resolve) => (this.#gaveUp = resolve));
  }

  start(): void {
    for (const p of this.#processes) this.#spawn(p);
  }

  #spawn(p: Supervised): void {
    p.phase = 'starting';
    p.startedAt = Date.now();
    p.lastProbe = 'not probed yet';
    p.listening = undefined;
    const child = spawn(process.execPath, [p.spec.entry, ...p.spec.args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: this.#options.env });
    p.child = child;
    child.on('message', (message) => {
      if (p.child === child && isListeningMessage(message)) p.listening = message.url;
    });
    child.stdout!.on('data', (chunk: Buffer) => p.capture(chunk));
    child.stderr!.on('data', (chunk: Buffer) => p.capture(chunk));
    child.once('exit', (code, signal) => this.#exited(p, code, signal));
    void this.#probe(p, child);
  }

  async #probe(p: Supervised, child: ChildProcess): Promise<void> {
    const port = new URL(p.spec.health).port;
    while (p.child === child && child.exitCode === null && child.signalCode === null && !this.#stopping) {
      if (p.listening === undefined || new URL(p.listening).port !== port) {
        p.lastProbe = p.listening === undefined ? 'none yet: it has not said it holds its port' : `none: it said it listens on ${p.listening}`;
        await new Promise((resolve) => setTimeout(resolve, 150));
        continue;
      }
      try {
        const response = await fetch(p.spec.health, { signal: AbortSignal.timeout(2000) });
        p.lastProbe = `HTTP ${response.status} ${(await response.text()).slice(0, 200)}`;
        if (response.ok) {
          if (p.restarts > 0 && p.phase !== 'ready') this.#options.say(`npm start: ${p.spec.name} is ready again (restart ${p.restarts})`);
          p.phase = 'ready';
          return;
        }
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        p.lastProbe = cause ?? (error as Error).name;
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  #exited(p: Supervised, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#stopping) return;
    const how = signal ?? `code ${code}`;
    if (this.#options.failFast) {
      this.#gaveUp?.(`${p.spec.name} exited (${how}); last lines of ${p.logPath}:\n${p.output.map((l) => `    ${l}`).join('\n') || '    (no output)'}`);
      return;
    }
    p.crashLoop = p.phase === 'ready' && Date.now() - p.startedAt > STABLE_MS ? 1 : p.crashLoop + 1;
    if (p.crashLoop >= (this.#options.maxCrashLoop ?? 6)) {
      this.#gaveUp?.(`${p.spec.name} exited ${p.crashLoop} times in a row (last: ${how}); giving up. ${p.describe()}`);
      return;
    }
    const delay = BACKOFF_MS[Math.min(p.crashLoop - 1, BACKOFF_MS.length - 1)]!;
    p.phase = 'backing-off';
    p.restarts += 1;
    this.#options.say(`npm start: ${p.spec.name} exited (${how}); restarting it in ${delay / 1000} s (restart ${p.restarts}; log: ${p.logPath})`);
    setTimeout(() => {
      if (!this.#stopping) this.#spawn(p);
    }, delay).unref();
  }

  /** Resolves when every process is ready; rejects after `timeoutMs` saying what each laggard was doing. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#processes.some((p) => p.phase !== 'ready')) {
      if (this.#stopping) throw new Error('stopped before it was ready');
      if (Date.now() > deadline) {
        const late = this.#processes.filter((p) => p.phase !== 'ready');
        throw new Error(`not ready after ${Math.round(timeoutMs / 1000)} s (--ready-timeout): ${late.map((p) => p.spec.name).join(', ')}\n${late.map((p) => p.describe()).join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM to every child, SIGKILL to those still there after the grace period. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const grace = this.#options.stopGraceMs ?? 10_000;
      await Promise.all(
        this.#processes.map(async (p) => {
          const child = p.child;
          p.phase = 'stopped';
          if (!child || child.exitCode !== null || child.signalCode !== null) return;
          const kill = setTimeout(() => child.kill('SIGKILL'), grace);
          child.kill('SIGTERM');
          await once(child, 'exit');
          clearTimeout(kill);
        }),
      );
      await Promise.all(this.#processes.map((p) => new Promise((resolve) => p.log.end(resolve))));
    })();
    return this.#stopping;
  }

  /** Last resort on the supervisor's own exit: nothing it started survives it. */
  killAll(): void {
    for (const p of this.#processes) {
      const child = p.child;
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}
