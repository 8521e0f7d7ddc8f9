import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { provision, SYSTEM_TOOLS } from '../../scripts/lib/system-tools.ts';

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server by its PID and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const REDIS_SERVER = 'redis-server';

/** A port nobody listens on right now (the OS picks it; fixed ports collide on shared machines). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

/**
 * Starts a throwaway redis-server on a free port (or `port`): no persistence, loopback
 * only. A missing redis-server is installed where the machine allows it, else fails
 * loudly: a test that silently skips proves nothing.
 */
export async function startRedis(options: { port?: number } = {}): Promise<RunningRedis> {
  // npm test provisions redis-server before any test starts; this covers a file run alone.
  const tool = SYSTEM_TOOLS.find((t) => t.command === REDIS_SERVER)!;
  const provisioned = provision(tool);
  if (!provisioned.ok) throw new Error(provisioned.reason);
  // A given port lets a test bring Redis back where its clients reconnect.
  const port = options.port ?? (await freePort());
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let ready = false;
  const exited = once(child, 'exit').then(() => undefined, () => undefined);
  // Ready means redis says so: a port that accepts connections might belong to
  // another process, and then this redis-server has just failed to bind.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server was not ready on port ${port} within 5 s:\n${output}`));
    }, 5000);
    const onData = (chunk: Buffer) => {
      if (ready) return; // keep draining the pipe, or redis blocks writing its log
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });

  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      })();
      return stopped;
    },
  };
}
