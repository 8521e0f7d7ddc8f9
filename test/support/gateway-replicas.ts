import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitHealthy } from '../../scripts/lib/health.ts';
import { freePort } from './redis.ts';

/**
 * Web gateway replicas as separate processes, as pods of one Deployment run:
 * each on its own loopback port (kept across restarts, since the load
 * balancer's backend list names it), all sharing one config file and one Redis.
 */
const ROOT = new URL('../../', import.meta.url).pathname;

/** How a gateway process is started (Node strips the types itself: no loader); one place to change. */
export function gatewayProcessArgs(gatewayArgs: readonly string[]): string[] {
  return ['gateway/main.ts', ...gatewayArgs];
}

/**
 * What kubelet puts in a pod's environment when a Service named
 * `gateway` exists (service links), plus a stray variable of other software:
 * replicas start with them, as they would in a cluster that left service links on.
 */
export const KUBERNETES_LIKE_ENV: Record<string, string> = {
  GATEWAY_SERVICE_HOST: '10.96.0.10',
  GATEWAY_SERVICE_PORT: '4000',
  GATEWAY_PORT: 'tcp://10.96.0.10:4000',
  GATEWAY_PORT_4000_TCP: 'tcp://10.96.0.10:4000',
  GATEWAY_PORT_4000_TCP_PROTO: 'tcp',
  GATEWAY_PORT_4000_TCP_PORT: '4000',
  GATEWAY_PORT_4000_TCP_ADDR: '10.96.0.10',
  GATEWAY_TIMEOUT: '30',
};

export interface ReplicaOptions {
  readonly configPath: string;
  readonly redisUrl: string;
  /** `name=url` of each subgraph. */
  readonly subgraphUrls: readonly string[];
  /** More environment, e.g. NODE_ENV=production and its secrets, as the image runs. */
  readonly env?: Readonly<Record<string, string>>;
}

export class Replica {
  readonly name: string;
  readonly port: number;
  readonly #options: ReplicaOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #stderr = '';
  #expectingExit = false;
  /** Exits nobody asked for (a crash), with the end of the process's stderr. */
  readonly crashes: string[] = [];

  constructor(name: string, port: number, options: ReplicaOptions) {
    this.name = name;
    this.port = port;
    this.#options = options;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  /** The process's PID while it runs (to read its memory and CPU from /proc). */
  get pid(): number | undefined {
    return this.running ? this.#child!.pid : undefined;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts the process and resolves once it reports ready (/health?ready=true). */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const args = gatewayProcessArgs(['--profile', 'web', '--port', String(this.port), '--config', this.#options.configPath, '--redis-url', this.#options.redisUrl, '--log-level', 'warn']);
    for (const url of this.#options.subgraphUrls) args.push('--subgraph-url', url);
    const env: NodeJS.ProcessEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GATEWAY_'))), ...KUBERNETES_LIKE_ENV, ...this.#options.env };
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    this.#stderr = '';
    child.stderr!.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-2000)));
    this.#expectingExit = false;
    this.#exited = once(child, 'exit').then(
      ([code, signal]) => {
        if (!this.#expectingExit) this.crashes.push(`${this.name} exited (code ${code}, signal ${signal}):\n${this.#stderr}`);
      },
      () => undefined,
    );
    try {
      await waitHealthy(`http://127.0.0.1:${this.port}/health?ready=true`, { timeoutMs: 60_000, exited: () => child.exitCode !== null });
    } catch (error) {
      throw new Error(`replica ${this.name}: ${(error as Error).message}\n${this.#stderr}`);
    }
  }

  /** Sends `signal` and waits for the process to exit; returns its exit code (null when killed by a signal). */
  async signal(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
    const child = this.#child;
    if (!child || !this.running) return child?.exitCode ?? null;
    this.#expectingExit = true;
    child.kill(signal);
    await this.#exited;
    return child.exitCode;
  }

  /** Stops the process whatever its state: SIGTERM, then SIGKILL after 15 s. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const force = setTimeout(() => this.#child?.kill('SIGKILL'), 15_000);
    await this.signal('SIGTERM');
    clearTimeout(force);
  }
}

/** `count` replicas named r1…rN on free ports, started in parallel; every one is stopped by stop(), even after a failed start. */
export async function startReplicas(count: number, options: ReplicaOptions, track: (replica: Replica) => void): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (let i = 1; i <= count; i++) {
    const replica = new Replica(`r${i}`, await freePort(), options);
    track(replica);
    replicas.push(replica);
  }
  await Promise.all(replicas.map((r) => r.start()));
  return replicas;
}
