import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { hashOperation } from '../../gateway/admission/persisted-queries/manifest.ts';
import { startHaproxy, CHECK_FALL, CHECK_INTERVAL_MS, type RunningHaproxy } from '../support/haproxy.ts';
import { startReplicas, type Replica } from '../support/gateway-replicas.ts';
import { startLoad } from '../support/load.ts';
import { operation } from '../support/operations.ts';
import { startRedis } from '../support/redis.ts';
import { mintDevToken } from '../../common/dev-token.ts';
import { postGraphQL, startRestServices, startSubgraphs } from '../support/system.ts';
import { waitFor } from '../support/wait.ts';

/**
 * The production shape on one machine: three web gateway replicas (separate
 * processes) sharing one real redis-server, behind a real HAProxy that
 * health-checks their readiness, under load from distinct users.
 * bench/scale-out.ts measures throughput on the same set-up.
 */
const BUDGET = { maximumAvailable: 3000, restoreRatePerSecond: 1 };
/** A query worth loading a gateway with, cheap enough that no user's budget runs out during a test. */
const FEATURED = JSON.stringify({ query: 'query Featured { featuredProducts { name price { effectivePrice { formatted } } } }' });
/** Every seeded user: a faster gateway (the entity cache answers FEATURED) must not run one user's budget out. */
const USERS = 1000;
/** The replicas run as the image does, NODE_ENV=production, so the development secrets are refused: these stand in. */
const PRODUCTION_SECRETS = { jwt: 'j'.repeat(48), identity: 'i'.repeat(48) };
/** Long enough for HAProxy to see readiness fail (CHECK_FALL checks CHECK_INTERVAL_MS apart) before the replica stops accepting. */
const SHUTDOWN_DELAY_MS = CHECK_INTERVAL_MS * (CHECK_FALL + 1) + 400;

const tokenFor = (userId: string) => mintDevToken(userId, { secret: PRODUCTION_SECRETS.jwt });

let lb: RunningHaproxy;
let replicas: Replica[];
let tokens: string[];
const cleanups: (() => unknown)[] = [];

// Every process is stopped even when set-up fails halfway: each is registered as soon as it exists.
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
before(async () => {
  const rest = await startRestServices();
  cleanups.push(() => Promise.all(Object.values(rest).map((s) => s.close())));
  const subgraphs = await startSubgraphs(rest, { identitySecret: PRODUCTION_SECRETS.identity });
  cleanups.push(() => Promise.all(Object.values(subgraphs).map((s) => s.stop())));
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'gateway.json');
  writeFileSync(configPath, JSON.stringify({ cost: { maxCost: BUDGET.maximumAvailable, budget: { ...BUDGET, redisKeyPrefix: `scale${Date.now()}:` } }, shutdownGraceMs: 10_000, shutdownDelayMs: SHUTDOWN_DELAY_MS }));
  replicas = await startReplicas(3, { configPath, redisUrl: redis.url, subgraphUrls: Object.entries(subgraphs).map(([n, s]) => `${n}=${s.url}`), env: { NODE_ENV: 'production', GATEWAY_JWT_SECRET: PRODUCTION_SECRETS.jwt, GATEWAY_IDENTITY_SECRET: PRODUCTION_SECRETS.identity } }, (r) => cleanups.push(() => r.stop()));
  lb = await startHaproxy(replicas.map((r) => ({ name: r.name, port: r.port })));
  cleanups.push(() => lb.stop());
  await waitFor(async () => (await lb.servers()).every((s) => s.status === 'UP'), 10_000);
  tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => tokenFor(`user-${String(i + 1).padStart(4, '0')}`)));
});

const loadOfDistinctUsers = (workers: number) =>
  startLoad({ url: `${lb.url}/graphql`, workers, request: (n) => ({ body: FEATURED, headers: { authorization: `Bearer ${tokens[n % USERS]}` } }) });
const statusOf = async (name: string) => (await lb.servers()).find((s) => s.name === name)!;

describe('three web gateway replicas behind HAProxy, sharing one Redis', () => {
  afterEach(() => assert.deepEqual(replicas.flatMap((r) => r.crashes), [], 'no replica exits unless told to'));

  it('start despite Kubernetes service-link variables in their environment, and all take traffic', async () => {
    const load = loadOfDistinctUsers(4);
    await waitFor(() => replicas.every((r) => (load.stats.byReplica[r.name] ?? 0) >= 3), 20_000);
    const stats = await load.stop();
    assert.deepEqual(stats.failures, []);
  });

  it('enforce one budget per client across replicas: the admitted cost stays within the bucket', async (t) => {
    const token = await tokenFor('user-0777');
    const body = { query: operation('web', 'FrontPage') };
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const response = await fetch(`${lb.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
        return { status: response.status, servedBy: response.headers.get('x-served-by'), body: (await response.json()) as { errors?: { extensions?: { code?: string } }[]; extensions?: { cost?: { actualQueryCost: number } } } };
      }),
    );
    const elapsedS = (Date.now() - started) / 1000;
    const admitted = responses.filter((r) => r.status === 200 && !r.body.errors);
    const throttled = responses.filter((r) => r.status === 429 && r.body.errors?.[0]?.extensions?.code === 'THROTTLED');
    assert.equal(admitted.length + throttled.length, responses.length, 'every request is admitted or throttled');
    assert.equal(new Set(responses.map((r) => r.servedBy)).size, 3, 'the burst was spread over the three replicas');
    assert.ok(throttled.length > 0);
    const admittedCost = admitted.reduce((sum, r) => sum + r.body.extensions!.cost!.actualQueryCost, 0);
    const bucket = BUDGET.maximumAvailable + BUDGET.restoreRatePerSecond * elapsedS;
    t.diagnostic(`admitted ${admitted.length}/${responses.length}, actual cost ${admittedCost} of a bucket of ${bucket.toFixed(0)} (${BUDGET.maximumAvailable} + ${BUDGET.restoreRatePerSecond}/s over ${elapsedS.toFixed(1)} s)`);
    assert.ok(admittedCost <= bucket, `${admittedCost} > ${bucket}`);
  });

  it('serve an APQ registered through one replica from the others', async () => {
    const query = `query ApqScaleOut${Date.now()} { featuredProducts { name } }`;
    const persistedQuery = { version: 1, sha256Hash: hashOperation(query) };
    const [r1, r2, r3] = replicas as [Replica, Replica, Replica];
    const token = tokens[0]!;
    const before = await postGraphQL(r3.url, { extensions: { persistedQuery } }, { token });
    assert.equal(before.body.errors?.[0]?.extensions?.['code'], 'PERSISTED_QUERY_NOT_FOUND', 'not known anywhere before it is registered');
    const registered = await postGraphQL(r1.url, { query, extensions: { persistedQuery } }, { token });
    assert.equal(registered.status, 200);
    for (const replica of [r2, r3]) {
      const served = await postGraphQL(replica.url, { extensions: { persistedQuery } }, { token });
      assert.equal(served.status, 200, replica.name);
      assert.deepEqual(served.body.data, registered.body.data);
    }
  });

  it('drop no request during a rolling restart (SIGTERM each replica in turn, start it again)', async (t) => {
    const load = loadOfDistinctUsers(8);
    await waitFor(() => load.stats.ok >= 50, 20_000);
    for (const replica of replicas) {
      assert.equal(await replica.signal('SIGTERM'), 0, `${replica.name} exits cleanly after draining`);
      await replica.start();
      await waitFor(async () => (await statusOf(replica.name)).status === 'UP', 10_000);
      const servedBefore = load.stats.byReplica[replica.name] ?? 0;
      await waitFor(() => (load.stats.byReplica[replica.name] ?? 0) > servedBefore, 10_000);
    }
    const stats = await load.stop();
    t.diagnostic(`rolling restart: ${stats.sent} requests, ${stats.ok} ok, ${stats.failures.length} failed; per replica ${JSON.stringify(stats.byReplica)}`);
    assert.deepEqual(stats.failures, []);
  });

  it('lose only the in-flight requests of a replica killed with SIGKILL, and stop sending to it within a bounded time', async (t) => {
    const victim = replicas[1]!;
    const base = await statusOf(victim.name); // HAProxy's counters run since it started
    const load = loadOfDistinctUsers(12);
    await waitFor(() => (load.stats.byReplica[victim.name] ?? 0) >= 20, 20_000);
    const atKill = await statusOf(victim.name);
    const inFlight = atKill.inFlight;
    const killedAt = Date.now();
    await victim.signal('SIGKILL');
    await waitFor(async () => (await statusOf(victim.name)).status.startsWith('DOWN'), 5000);
    const outOfRotationMs = Date.now() - killedAt;
    const sentToVictim = (await statusOf(victim.name)).total;
    const okAtDown = load.stats.ok;
    await waitFor(() => load.stats.ok >= okAtDown + 100, 20_000);
    const stats = await load.stop();
    const victimAfter = await statusOf(victim.name);
    // The victim's in-flight requests: what HAProxy handed it (up to the moment it was marked
    // DOWN) that it never answered and that HAProxy did not redispatch elsewhere.
    const unanswered = victimAfter.total - base.total - (stats.byReplica[victim.name] ?? 0) - (victimAfter.redispatches - base.redispatches);
    t.diagnostic(`HAProxy's view of ${victim.name}: at the kill ${JSON.stringify(atKill)}, once DOWN ${JSON.stringify(victimAfter)}; answered by it ${stats.byReplica[victim.name]}`);
    t.diagnostic(`SIGKILL: ${unanswered} requests in flight on ${victim.name} (${inFlight} by HAProxy's current-sessions count at the kill), ${stats.failures.length} lost (${[...new Set(stats.failures)].join('; ')}); out of rotation after ${outOfRotationMs} ms; ${stats.ok} ok of ${stats.sent}`);
    assert.equal(victimAfter.total, sentToVictim, 'nothing sent to the dead replica once it is DOWN');
    assert.ok(stats.failures.length > 0 && stats.failures.length <= unanswered, `${stats.failures.length} lost, ${unanswered} in flight on the victim: no other replica's request was lost`);
    // A request cut off with its replica gets no response at all: HAProxy closes the client connection (or answers 502), never a wrong answer.
    assert.ok(stats.failures.every((f) => f.startsWith('status 502') || f.includes('other side closed')), stats.failures.join('; '));
    const bound = CHECK_INTERVAL_MS * (CHECK_FALL + 1) + 1000;
    assert.ok(outOfRotationMs <= bound, `out of rotation after ${outOfRotationMs} ms, bound ${bound} ms`);
    await victim.start();
  });
});
