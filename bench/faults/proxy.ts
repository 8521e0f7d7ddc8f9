import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/** What the hop in front of one backing process does to its traffic. */
export type ProxyMode = 'pass' | 'slow' | 'fail';

export interface FaultProxy {
  readonly url: string;
  mode: ProxyMode;
  close(): Promise<void>;
}

/**
 * An HTTP hop in front of one backing process, where "slow" (+`slowMs`
 * before forwarding) and "failing" (HTTP 500 without forwarding) are injected;
 * "killed" and "hung" are done to the process itself (SIGKILL, SIGSTOP), and
 * the hop passes them on as a network would: a refused upstream connection
 * resets the caller's, a silent upstream leaves the caller waiting. Consumers
 * abandoning a request abort its upstream call too.
 */
export async function startFaultProxy(target: string, slowMs: number): Promise<FaultProxy> {
  const pool = new Pool(target, { connections: 64, keepAliveTimeout: 10_000 });
  const state = { mode: 'pass' as ProxyMode };
  const server: Server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (state.mode === 'fail') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('injected failure');
      return;
    }
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    try {
      if (state.mode === 'slow') await new Promise((r) => setTimeout(r, slowMs));
      if (abort.signal.aborted) return;
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'keep-alive')) as Record<string, string>;
      const upstream = await pool.request({ method: req.method as 'GET', path: req.url ?? '/', headers, body: chunks.length > 0 ? Buffer.concat(chunks) : null, signal: abort.signal });
      const body = Buffer.from(await upstream.body.arrayBuffer());
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(upstream.headers)) if (typeof v === 'string' && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding') out[k] = v;
      res.writeHead(upstream.statusCode, out).end(body);
    } catch {
      // The process is gone (refused, reset) or the caller gave up: the caller sees a reset.
      res.socket?.destroy();
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: ProxyMode) {
      state.mode = mode;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.destroy();
    },
  };
}
