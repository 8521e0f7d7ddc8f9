import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { waitHealthy } from '../../scripts/lib/health.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** The /graphql URL it printed once listening (it binds port 0: the OS picks). */
  readonly url: string;
  /** SIGTERM, then waits for exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * `node gateway/main.ts --port 0 …args` as its own process, ready once its
 * `/health?ready=true` answers. Whatever happens, the process is registered in
 * `started` before anything can fail, so an after-hook can stop it.
 */
export async function startGatewayProcess(args: readonly string[], started: GatewayProcess[] = [], timeoutMs = 60_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['gateway/main.ts', '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stopped: Promise<void> | undefined;
  let output = '';
  let url: string | undefined;
  const exited = once(child, 'exit').then(() => undefined);
  const handle: GatewayProcess = {
    child,
    get url() {
      if (url === undefined) throw new Error('gateway process has not printed its URL');
      return url;
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      })();
      return stopped;
    },
  };
  started.push(handle);
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      output = (output + line + '\n').slice(-4000);
      if (line.includes('"gateway ready"')) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(() => reject(new Error(`gateway process exited during start-up:\n${output}`)));
    setTimeout(() => reject(new Error(`gateway process printed no "gateway ready" within ${timeoutMs} ms:\n${output}`)), timeoutMs).unref();
  });
  url = await ready;
  await waitHealthy(url.replace(/\/graphql$/, '/health?ready=true'), { timeoutMs, exited: () => child.exitCode !== null });
  return handle;
}
