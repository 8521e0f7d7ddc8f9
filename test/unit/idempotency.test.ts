import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIdempotencyKey, writeKey } from '../../common/idempotency.ts';
import { IdempotencyStore } from '../../services/idempotency.ts';

describe('Idempotency-Key header', () => {
  it('accepts a UUID bare or as a Structured Field string, and absence', () => {
    assert.deepEqual(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324'), { key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    assert.deepEqual(parseIdempotencyKey('"8e03978e-40d5"'), { key: '8e03978e-40d5' });
    assert.deepEqual(parseIdempotencyKey(undefined), { key: undefined });
  });

  it('refuses empty, over-long, spaced, control-character and repeated keys, saying what it expected', () => {
    for (const bad of ['', '""', 'a'.repeat(256), 'two words', 'tab\there', 'nul\u0000', 'é']) {
      assert.match((parseIdempotencyKey(bad) as { error: string }).error, /expected 1 to 255 printable characters/, JSON.stringify(bad));
    }
    assert.match((parseIdempotencyKey(['a', 'b']) as { error: string }).error, /expected one header/);
  });

  it('gives each write of one operation its own key, the same on every retry', () => {
    assert.deepEqual([0, 1, 2].map((i) => writeKey('k', i)), ['k', 'k#2', 'k#3']);
  });
});

describe('idempotency store', () => {
  it('runs a write once for concurrent requests with one key: the others wait for it and get its outcome', async () => {
    const store = new IdempotencyStore();
    let applied = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const write = async () => {
      applied += 1;
      await gate;
      return { items: applied };
    };
    const runs = Array.from({ length: 10 }, () => store.run('user-1 k', 'POST /carts {"q":1}', write));
    release();
    const outcomes = await Promise.all(runs);
    assert.equal(applied, 1);
    assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['first', ...Array(9).fill('replay')].sort());
    assert.ok(outcomes.every((o) => o.kind !== 'mismatch' && o.outcome.ok && (o.outcome.value as { items: number }).items === 1));
  });

  it('refuses the same key on a different request, and replays a refusal it remembered', async () => {
    const store = new IdempotencyStore();
    await store.run('u k', 'A', () => 1);
    assert.deepEqual(await store.run('u k', 'B', () => 2), { kind: 'mismatch' });
    await store.run('u bad', 'A', () => { throw new RangeError('quantity'); });
    const replay = await store.run('u bad', 'A', () => 3);
    assert.ok(replay.kind === 'replay' && !replay.outcome.ok && replay.outcome.error instanceof RangeError);
  });

  it('forgets an outcome it is told not to keep, so a retry runs the write again', async () => {
    const store = new IdempotencyStore({ remember: (o) => o.ok });
    await store.run('u k', 'A', () => { throw new Error('bug'); });
    assert.deepEqual(await store.run('u k', 'A', () => 7), { kind: 'first', outcome: { ok: true, value: 7 } });
  });

  it('is bounded: past maxKeys the least recently used key is forgotten', async () => {
    const store = new IdempotencyStore({ maxKeys: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await store.run(k, 'A', () => k);
    assert.equal(store.size, 3);
    assert.equal((await store.run('a', 'A', () => 'again')).kind, 'first');
  });

  it('forgets a key after its time to live', async () => {
    let now = 1000;
    const store = new IdempotencyStore({ ttlMs: 30_000, now: () => now });
    await store.run('k', 'A', () => 1);
    now += 29_000;
    assert.equal((await store.run('k', 'A', () => 2)).kind, 'replay');
    now += 2_000;
    assert.equal((await store.run('k', 'A', () => 3)).kind, 'first');
  });
});
