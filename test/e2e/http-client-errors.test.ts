import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { gatewayConfigFor, silentLogger } from '../support/system.ts';

/**
 * Requests that are not valid HTTP reach no route: the server answers on the
 * socket. Found by a hostile run: a HEAD with an unframed body got fastify's
 * JSON 400, and the HEAD client's parser failed on the body (HPE_INVALID_CONSTANT).
 * No subgraph is needed: nothing here is executed.
 */
let gateway: RunningGateway;
let port: number;

before(async () => {
  gateway = await startGateway(gatewayConfigFor({}), silentLogger);
  port = Number(new URL(gateway.url).port);
});
after(() => gateway?.stop());

/** Writes raw bytes, returns everything the server sent until it closed the socket. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('requests that are not valid HTTP', () => {
  it('answers a HEAD with a malformed chunked body with a bodiless 400 and closes, as node:http does', async () => {
    const answer = await rawExchange('HEAD /graphql HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\nnot-a-chunk-size\r\n\r\n');
    assert.equal(answer, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  it('answers oversized headers with a bodiless 431', async () => {
    const answer = await rawExchange(`GET /graphql HTTP/1.1\r\nHost: gateway\r\nx-filler: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(answer, 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
  });

  it("lets node's own HTTP client read the answer to a HEAD sent with an unframed body, without a parse error", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const head = request({ host: '127.0.0.1', port, method: 'HEAD', path: '/graphql', agent: false }, (response) => {
        response.resume();
        response.on('end', () => head.socket?.once('close', () => resolve(`status ${response.statusCode}`)));
      });
      // Without Content-Length or Transfer-Encoding the body is not part of the HEAD: the server reads it as the next request line.
      head.on('error', (error: NodeJS.ErrnoException) => resolve(`client error ${error.code}`));
      head.end('{"query":"{ featuredProducts { id } }"}');
    });
    assert.match(outcome, /^status \d{3}$/);
  });
});
