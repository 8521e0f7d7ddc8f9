import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { RunningGateway } from '../../gateway/server.ts';
import { createSubgraphFetcher } from '../../gateway/subgraphs/subgraph-http.ts';
import { FieldHeaders } from '../../gateway/subgraphs/field-headers.ts';
import { DEADLINE_HEADER } from '../../common/upstream/deadline.ts';
import { IDENTITY_HEADER, REQUEST_ID_HEADER } from '../../common/upstream/wire.ts';
import { useSharedGraph } from '../support/graph.ts';
import { postGraphQL } from '../support/system.ts';

/**
 * What the gateway's own send path (gateway/subgraphs/data-source.ts #post)
 * puts on the wire to a subgraph, and what each kind of answer becomes. The
 * pricing subgraph sits behind a hop that forwards to the real one or
 * misbehaves as the test says.
 */
const graph = useSharedGraph();

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
type Behaviour = (res: ServerResponse, received: Received) => void | Promise<void>;

const UPSTREAM_SECRET = 'at /srv/pricing/app.js:42 (db=10.0.3.7)';
// Long enough for a cold first fetch on a busy machine; the stalled-body test waits it out once.
const PRICING_TIMEOUT_MS = 2000;
const QUERY = '{ featuredProducts { name price { onSale } } }';

let hop: Server;
let hopUrl: string;
let gateway: RunningGateway;
const received: Received[] = [];
let behave: Behaviour;

/** What the real subgraph needs of the gateway's request (identity, deadline, trace), without the hop's own connection fields. */
function forwardedHeaders(request: Received): [string, string][] {
  return Object.entries(request.headers).filter(([name, value]) => typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) as [string, string][];
}

const forward: Behaviour = async (res, request) => {
  const upstream = await fetch(graph.subgraphs.pricing.url, { method: 'POST', headers: forwardedHeaders(request), body: request.body });
  res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? '', 'cache-control': upstream.headers.get('cache-control') ?? '' });
  res.end(Buffer.from(await upstream.arrayBuffer()));
};

/** The hop and a gateway using it, started once by the first test (the shared graph is up by then). */
let started: Promise<void> | undefined;
const ready = () => (started ??= start());

async function start(): Promise<void> {
  hop = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    received.push(request);
    await behave(res, request);
  });
  hop.listen(0, '127.0.0.1');
  await once(hop, 'listening');
  hopUrl = `http://127.0.0.1:${(hop.address() as AddressInfo).port}/graphql?via=hop`;
  const subgraphUrls = { ...Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])), pricing: hopUrl };
  gateway = await graph.gateway({
    subgraphUrls,
    subgraphTimeoutsMs: { pricing: PRICING_TIMEOUT_MS },
    healthCheckIntervalMs: 0,
    // Every request reaches the hop, and prices are critical here, so their errors show (not fallbacks).
    entityCache: { enabled: false },
    degradation: { optionalFields: {} },
    // Bad answers in a row must not open the breaker in the middle of the tests.
    subgraphBreaker: { volumeThreshold: 1000, failureThresholdPercent: 99, cooldownMs: 1000 },
  });
}
after(async () => {
  hop?.closeAllConnections();
  await new Promise<void>((resolve) => (hop ? hop.close(() => resolve()) : resolve()));
});

/** Posts the query and checks that prices failed with `code` naming pricing, the other fields intact, nothing of the hop leaked. */
async function expectPricesFailed(code: string, message: RegExp): Promise<void> {
  await ready();
  const r = await postGraphQL(gateway.url, { query: QUERY });
  assert.equal(r.status, 200);
  const error = r.body.errors?.[0];
  assert.equal(error?.extensions?.['code'], code, JSON.stringify(r.body.errors));
  assert.equal(error?.extensions?.['serviceName'], 'pricing');
  assert.match(error?.message ?? '', message);
  assert.ok((r.body.data?.['featuredProducts'] as { name: string }[]).every((p) => p.name.length > 0), 'the other fields are intact');
  const whole = JSON.stringify(r.body);
  for (const leak of [UPSTREAM_SECRET, 'DOCTYPE', new URL(hopUrl).host, 'stack']) assert.ok(!whole.includes(leak), `the client must not see ${leak}: ${whole}`);
}

describe('what the gateway sends a subgraph', () => {
  it('one POST to the URL as configured (path and query string), JSON with the query first, the identity, request id, deadline and trace headers', async () => {
    behave = forward;
    await ready();
    received.length = 0;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const r = await postGraphQL(gateway.url, { query: QUERY }, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    assert.equal(r.body.errors, undefined);
    assert.ok((r.body.data?.['featuredProducts'] as { price: { onSale: boolean } }[]).every((p) => typeof p.price.onSale === 'boolean'));
    assert.equal(received.length, 1);
    const [sent] = received;
    assert.equal(sent!.method, 'POST');
    assert.equal(sent!.url, '/graphql?via=hop');
    assert.equal(sent!.headers['content-type'], 'application/json');
    assert.equal(sent!.headers['content-length'], String(Buffer.byteLength(sent!.body)));
    assert.match(String(sent!.headers[IDENTITY_HEADER]), /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a signed JWT');
    assert.match(String(sent!.headers[REQUEST_ID_HEADER]), /.+/);
    const deadline = Number(sent!.headers[DEADLINE_HEADER]);
    assert.ok(deadline > 0 && deadline <= PRICING_TIMEOUT_MS, `deadline ${deadline}`);
    assert.equal(String(sent!.headers['traceparent']).split('-')[1], traceId);
    const body = JSON.parse(sent!.body) as Record<string, unknown>;
    assert.equal(Object.keys(body)[0], 'query');
    assert.match(String(body['query']), /_entities/);
    assert.ok(Array.isArray((body['variables'] as { representations?: unknown }).representations));
    assert.equal('http' in body, false);
  });
});

describe('what a subgraph answer becomes', () => {
  it("a subgraph's Cache-Control bounds the client response's, as Apollo's data source reads it", async () => {
    await ready();
    const answering = (cacheControl: string | undefined): Behaviour => async (res, request) => {
      const upstream = await fetch(graph.subgraphs.pricing.url, { method: 'POST', headers: forwardedHeaders(request), body: request.body });
      res.writeHead(200, { 'content-type': 'application/json', ...(cacheControl ? { 'cache-control': cacheControl } : {}) }).end(Buffer.from(await upstream.arrayBuffer()));
    };
    // The other subgraphs of the query allow public, 60 s.
    for (const [subgraphSays, clientGets] of [['public, max-age=7', 'max-age=7, public'], ['max-age=600, private', 'max-age=60, private'], [undefined, 'no-store']] as const) {
      behave = answering(subgraphSays);
      const r = await postGraphQL(gateway.url, { query: QUERY });
      assert.equal(r.body.errors, undefined);
      assert.equal(r.headers.get('cache-control'), clientGets, `subgraph said ${subgraphSays}`);
    }
  });

  const notGraphQL: [string, Behaviour][] = [
    ['an HTML page with 200', (res) => void res.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><p>${UPSTREAM_SECRET}</p>`)],
    ['a JSON array', (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(`["${UPSTREAM_SECRET}"]`)],
    ['a JSON string', (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(UPSTREAM_SECRET))],
    ['JSON cut short', (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"data":{"_entities":["${UPSTREAM_SECRET}"`)],
    ['a GraphQL body without a JSON content type', (res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('{"data":{"_entities":[]}}')],
  ];
  for (const [what, behaviour] of notGraphQL) {
    it(`${what}: SUBGRAPH_UNAVAILABLE naming the subgraph, nothing of the body in the response`, async () => {
      behave = behaviour;
      await expectPricesFailed('SUBGRAPH_UNAVAILABLE', /^The pricing subgraph is unavailable$/);
    });
  }

  for (const status of [500, 502, 503, 401, 403, 302]) {
    it(`HTTP ${status} with a body: SUBGRAPH_UNAVAILABLE "answered HTTP ${status}", not the subgraph's own code, body or location`, async () => {
      behave = (res) => void res.writeHead(status, { 'content-type': 'application/json', location: 'http://10.0.3.7/elsewhere' })
        .end(JSON.stringify({ errors: [{ message: UPSTREAM_SECRET, extensions: { code: 'UNAUTHENTICATED', stacktrace: [UPSTREAM_SECRET] } }] }));
      await expectPricesFailed('SUBGRAPH_UNAVAILABLE', new RegExp(`^The pricing subgraph answered HTTP ${status}$`));
    });
  }

  it('a body that stops midway: SUBGRAPH_TIMEOUT at the subgraph timeout, the connection closed, the next fetch answered', async () => {
    let stalled: ServerResponse | undefined;
    behave = (res) => {
      stalled = res;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":{"_entities":[');
    };
    const started = performance.now();
    await expectPricesFailed('SUBGRAPH_TIMEOUT', new RegExp(`^The pricing subgraph did not answer within ${PRICING_TIMEOUT_MS} ms$`));
    assert.ok(performance.now() - started < PRICING_TIMEOUT_MS + 1500, 'within the bound');
    // The gateway gives the half-read answer up: its connection does not go back to the pool.
    if (!stalled!.socket?.destroyed) await once(stalled!.socket!, 'close');
    behave = forward;
    const r = await postGraphQL(gateway.url, { query: QUERY });
    assert.equal(r.body.errors, undefined);
  });

  it('an answer in several chunks that starts with a byte order mark: read as fetch reads it (the mark dropped)', async () => {
    await ready();
    behave = async (res, request) => {
      const upstream = await fetch(graph.subgraphs.pricing.url, { method: 'POST', headers: forwardedHeaders(request), body: request.body });
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(await upstream.arrayBuffer())]);
      res.writeHead(200, { 'content-type': 'application/json' });
      // Split inside the mark and again midway: the gateway must join the chunks before decoding.
      res.write(body.subarray(0, 2));
      await new Promise((resolve) => setImmediate(resolve));
      res.write(body.subarray(2, body.length >> 1));
      await new Promise((resolve) => setImmediate(resolve));
      res.end(body.subarray(body.length >> 1));
    };
    const r = await postGraphQL(gateway.url, { query: QUERY });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.ok((r.body.data?.['featuredProducts'] as { price: { onSale: boolean } }[]).every((p) => typeof p.price.onSale === 'boolean'));
  });

  it('a connection reset midway through the body: SUBGRAPH_UNAVAILABLE, and the next fetch answered', async () => {
    behave = (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"data":{"_entities":[', () => res.socket?.destroy());
    };
    await expectPricesFailed('SUBGRAPH_UNAVAILABLE', /^The pricing subgraph is unavailable$/);
    behave = forward;
    const r = await postGraphQL(gateway.url, { query: QUERY });
    assert.equal(r.body.errors, undefined);
  });
});

describe('the subgraph send path on its own (gateway/subgraphs/subgraph-http.ts)', () => {
  it('gives up a fetch still queued for a connection when its signal aborts, and one mid-answer, each at once', async () => {
    // One connection per origin: the first fetch holds it with an answer that never ends.
    const { fetcher, close } = createSubgraphFetcher({ connections: 1, timeoutMs: 60_000 });
    let requests = 0;
    const stalling = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    stalling.listen(0, '127.0.0.1');
    await once(stalling, 'listening');
    const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/graphql`;
    const post = (signal: AbortSignal) => fetcher.send({ url, method: 'POST', headers: new FieldHeaders({ 'content-type': 'application/json' }), body: '{"query":"{ x }"}', signal });
    try {
      const holding = new AbortController();
      const first = post(holding.signal);
      const firstOutcome = first.then(() => 'answered', (error: Error) => error.message);
      await once(stalling, 'request');
      const queued = new AbortController();
      const second = post(queued.signal);
      queued.abort(new Error('queued fetch given up'));
      await assert.rejects(second, /queued fetch given up/);
      assert.equal(await Promise.race([firstOutcome, new Promise((resolve) => setImmediate(() => resolve('still waiting')))]), 'still waiting', 'the first is not touched');
      holding.abort(new Error('stalled answer given up'));
      assert.equal(await firstOutcome, 'stalled answer given up');
      // A signal already aborted: nothing is sent.
      await assert.rejects(post(AbortSignal.abort(new Error('aborted before sending'))), /aborted before sending/);
      // Once the pool has settled everything it holds, the server has seen the first fetch only:
      // the queued one was dropped when its turn came, the last never queued.
      const closing = close();
      stalling.closeAllConnections();
      await closing;
      assert.equal(requests, 1);
    } finally {
      stalling.closeAllConnections();
      stalling.close();
    }
  });
});
