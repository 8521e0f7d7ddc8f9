import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a stand-in dependency misbehaves: answers HTTP 500, 200 with something that is not GraphQL, or never (hung, as a SIGSTOPped process). */
export type Misbehaviour = 'http-500' | 'malformed' | 'hang';

/**
 * A real HTTP server standing where a subgraph should be, answering every
 * request with one kind of failure; and `deadUrl()`, a loopback port nothing
 * listens on (connection refused, as a killed process leaves it).
 */
export async function startFaultyUpstream(misbehaviour: Misbehaviour): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    req.resume();
    if (misbehaviour === 'hang') return;
    if (misbehaviour === 'http-500') res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error at /srv/app.js:42');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": {"_entities": "not a list"');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    requests: () => requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/graphql`;
}
