import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { queryObjects } from 'node:v8';
import { after, before, describe, it } from 'node:test';
import { operation } from '../support/operations.ts';
import { startSystem, tokenFor, type System } from '../support/system.ts';

const FRONT_PAGE = operation('web', 'FrontPage');

/** Node's Timeout class is not exported; every setTimeout returns one. */
const Timeout = setTimeout(() => {}, 0).constructor as new () => unknown;

/** Timers alive after a full collection (queryObjects collects first), fired or pending. */
const liveTimers = () => queryObjects(Timeout, { format: 'count' }) as number;

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

describe('memory held from start-up', () => {
  it('loads the Redis client and the OTLP exporter only when they are configured', () => {
    // Each holds megabytes of heap (code, source maps) in every process that
    // imports it, and V8 lets the heap grow to a multiple of what it holds.
    // (The CommonJS module cache also lists packages loaded through `import`.)
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    for (const name of ['ioredis', '@opentelemetry/exporter-trace-otlp-http']) {
      assert.deepEqual(loaded.filter((path) => path.includes(`/node_modules/${name}/`)), [], `${name} is loaded by a system with no Redis and no OTLP endpoint`);
    }
  });
});

describe('memory held per request', () => {
  it('lets go of every timer a request started once it is answered', async () => {
    // A deadline timer holds its request's async context (trace context, the
    // abort signal's listeners) until it fires: left pending, a 15 s deadline
    // keeps every request of the last 15 s in memory, more the busier the gateway.
    const token = await tokenFor('user-0001');
    const answer = () => system.graphql({ query: FRONT_PAGE, operationName: 'FrontPage' }, { token });
    assert.equal((await answer()).body.errors, undefined, 'warm-up');
    const before = liveTimers();
    const REQUESTS = 20;
    for (let i = 0; i < REQUESTS; i++) assert.equal((await answer()).body.errors, undefined);
    const left = liveTimers() - before;
    assert.ok(left < REQUESTS / 2, `${REQUESTS} answered requests (gateway → 5 subgraphs → 7 REST calls each) left ${left} timers alive`);
  });
});
