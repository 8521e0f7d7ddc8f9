import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the proxy received it, before any delay. */
export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * An HTTP hop that holds every request for `delayMs` before forwarding it to
 * `target`: network latency injected in front of a real service, for tests of
 * draining and timeouts. It forwards method, headers and body unchanged, and
 * records every request on arrival (`received`), forwarded or not.
 * `nextArrival()` resolves when the next (matching) request arrives: "the request is in
 * flight" is an event a test can wait for, not a guess of how long it takes.
 */
export async function startSlowProxy(
  target: string,
  delayMs: number,
): Promise<{ url: string; received: ProxiedRequest[]; nextArrival: (matching?: (request: ProxiedRequest) => boolean) => Promise<ProxiedRequest>; close: () => Promise<void> }> {
  const received: ProxiedRequest[] = [];
  const arrivals = new EventEmitter();
  const server: Server = createServer(async (req, res) => {
    const arrived = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    received.push(arrived);
    arrivals.emit('arrival', arrived);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      await new Promise((r) => setTimeout(r, delayMs));
      if (!res.socket || res.socket.destroyed) return; // the caller gave up (its timeout): nothing to forward
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection')) as Record<string, string>;
      const upstream = await fetch(new URL(req.url ?? '/', target), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      // The target went away (a test stopping it): answer like a broken hop would.
      if (!res.headersSent && !res.destroyed) res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async nextArrival(matching = () => true) {
      for (;;) {
        const [request] = (await once(arrivals, 'arrival')) as [ProxiedRequest];
        if (matching(request)) return request;
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
