import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { flushTracing, startTracing, tracerFor } from '../../common/tracing.ts';

// Its own file: a process has one tracer provider, and this one exports over OTLP.
const received: { path: string | undefined; contentType: string | undefined; body: string }[] = [];
const collector = createServer((request: IncomingMessage, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    received.push({ path: request.url, contentType: request.headers['content-type'], body });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
after(() => collector?.close());

describe('tracing to an OTLP collector', () => {
  it('sends recorded spans to the configured endpoint, loading the exporter on demand', async () => {
    startTracing({ serviceName: 'otlp-test', otlpEndpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces` });
    tracerFor('otlp-test').startSpan('a recorded span').end();
    await flushTracing();
    assert.equal(received.length, 1, 'one batch');
    assert.equal(received[0]!.path, '/v1/traces');
    assert.match(received[0]!.body, /a recorded span/);
    assert.match(received[0]!.body, /otlp-test/, 'the resource names the service');
  });
});
