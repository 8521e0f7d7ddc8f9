import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through HTTP hop in front of one subgraph that counts the requests
 * it forwards, so subgraph requests per operation are counted the same way
 * for every gateway and do not rely on our gateway's own metrics (the
 * subgraphs' /metrics count REST calls, not the GraphQL requests they get).
 * Written by hand: it is a 20-line pipe, used only in the bench's check phase
 * (never under load), and a proxy library would be a dependency for that.
 */
export interface CountingHop {
  readonly name: string;
  /** `name=url` of the hop, for `--subgraph-url` / the vanilla gateway. */
  readonly subgraphUrl: string;
  /** POSTs forwarded since the last reset. */
  count: number;
  close(): Promise<void>;
}

/** A hop on 127.0.0.1, port 0, for one `name=url` entry. */
export async function startCountingHop(subgraphUrl: string): Promise<CountingHop> {
  const [name, url] = subgraphUrl.split('=') as [string, string];
  const target = new URL(url);
  const server = createServer((incoming, outgoing) => {
    if (incoming.method === 'POST') hop.count++;
    const upstream = request({ host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const hop: CountingHop = {
    name,
    subgraphUrl: `${name}=http://127.0.0.1:${port}${target.pathname}`,
    count: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return hop;
}
