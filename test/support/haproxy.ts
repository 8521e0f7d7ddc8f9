import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provision, SYSTEM_TOOLS } from '../../scripts/lib/system-tools.ts';
import { freePort } from './redis.ts';

/**
 * A real HAProxy (Debian's package) in front of gateway replicas, as a
 * cluster's load balancer or ingress would be: round robin, active health
 * checks on readiness (/health?ready=true, like a readiness probe),
 * retries only of connections that failed before the request was sent (safe
 * for mutations), and an `x-served-by` response header naming the replica.
 * Its runtime API (a unix socket) reports each replica's state and counters.
 */
export interface Backend {
  readonly name: string;
  readonly port: number;
}

/** One row of `show stat` for a server, the fields we read. */
export interface ServerStat {
  readonly name: string;
  /** UP, DOWN, MAINT, "DOWN 1/2" while a check is failing… */
  readonly status: string;
  /** Requests (sessions) being served now: the in-flight count. */
  readonly inFlight: number;
  /** Sessions sent to it in all. */
  readonly total: number;
  /** Retries and redispatches HAProxy made away from it. */
  readonly retries: number;
  readonly redispatches: number;
}

export interface RunningHaproxy {
  readonly url: string;
  readonly port: number;
  servers(): Promise<ServerStat[]>;
  /** A runtime API command, e.g. `disable server gateways/r2`. */
  command(line: string): Promise<string>;
  /** Stops HAProxy by its PID and removes its files. Idempotent. */
  stop(): Promise<void>;
}

export const CHECK_INTERVAL_MS = 200;
/** Consecutive failed checks before a replica leaves rotation, successes before it joins. */
export const CHECK_FALL = 2;
export const CHECK_RISE = 1;

function config(port: number, socket: string, backends: readonly Backend[]): string {
  return `global
  stats socket ${socket} mode 600 level admin
  maxconn 4096

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 10s
  # A readiness check slower than this fails (a probe's timeoutSeconds). Not
  # the check interval (HAProxy's default): a replica busy with load answers
  # /health in more than 200 ms, and would be taken out for being busy.
  timeout check 2s
  # A connection refused (a replica restarting) is retried on another one;
  # a request already sent is never replayed: a mutation must not run twice.
  retries 2
  option redispatch
  retry-on conn-failure

frontend gateway
  bind 127.0.0.1:${port}
  default_backend gateways

backend gateways
  balance roundrobin
  option httpchk GET /health?ready=true
  http-check expect status 200
  http-response set-header x-served-by %[srv_name]
  # Passive checks too: a replica that resets a connection leaves rotation at
  # once, without waiting for the active checks (a SIGKILLed pod).
  default-server inter ${CHECK_INTERVAL_MS} fastinter ${CHECK_INTERVAL_MS} downinter ${CHECK_INTERVAL_MS} fall ${CHECK_FALL} rise ${CHECK_RISE} observe layer4 error-limit 1 on-error mark-down
${backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`).join('\n')}
`;
}

export async function startHaproxy(backends: readonly Backend[]): Promise<RunningHaproxy> {
  // npm test provisions haproxy before any test starts; this covers a file run alone.
  const provisioned = provision(SYSTEM_TOOLS.find((t) => t.command === 'haproxy')!);
  if (!provisioned.ok) throw new Error(provisioned.reason);
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-'));
  const socket = join(dir, 'admin.sock');
  const port = await freePort();
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config(port, socket, backends));
  const check = spawnCheck(file);
  if (check) throw new Error(`haproxy refused its config: ${check}`);
  // -db: stay in the foreground, so the PID we hold is HAProxy's own.
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = once(child, 'exit').then(() => undefined, () => undefined);

  const command = (line: string) =>
    new Promise<string>((resolve, reject) => {
      const conn = connect(socket);
      let out = '';
      conn.on('data', (d) => (out += d.toString()));
      conn.on('end', () => resolve(out));
      conn.on('error', reject);
      conn.end(`${line}\n`);
    });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    })());

  // Ready when the runtime API answers: HAProxy binds its sockets before it opens that one.
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await command('show info')).includes('Name: HAProxy')) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not start within 5 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    command,
    async servers() {
      const [header, ...rows] = (await command('show stat')).trim().split('\n');
      const fields = header!.replace(/^# /, '').split(',');
      const at = (row: string[], name: string) => row[fields.indexOf(name)] ?? '';
      return rows
        .map((r) => r.split(','))
        .filter((row) => at(row, 'pxname') === 'gateways' && !['FRONTEND', 'BACKEND'].includes(at(row, 'svname')))
        .map((row) => ({
          name: at(row, 'svname'),
          status: at(row, 'status'),
          inFlight: Number(at(row, 'scur')),
          total: Number(at(row, 'stot')),
          retries: Number(at(row, 'wretr')),
          redispatches: Number(at(row, 'wredis')),
        }));
    },
    stop,
  };
}

/** `haproxy -c`: a config error is reported as itself, not as a start-up timeout. */
function spawnCheck(file: string): string | undefined {
  const result = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  return result.status === 0 ? undefined : `${result.stdout}${result.stderr}`.trim();
}
