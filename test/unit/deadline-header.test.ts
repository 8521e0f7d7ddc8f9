import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadlineBudgetMs, remainingMs, startDeadline } from '../../common/upstream/deadline.ts';

const MAX = 10_000;

describe('x-storefront-deadline-ms', () => {
  it('takes whole milliseconds up to the subgraph’s own maximum', () => {
    assert.equal(deadlineBudgetMs('300', MAX), 300);
    assert.equal(deadlineBudgetMs('0', MAX), 0, 'no time left: calls fail at once');
    assert.equal(deadlineBudgetMs('0300', MAX), 300);
    assert.equal(deadlineBudgetMs('10000', MAX), 10_000);
  });

  it('uses the subgraph’s own maximum when the header is absent', () => {
    assert.equal(deadlineBudgetMs(undefined, MAX), MAX);
  });

  it('can only shorten: a value above the maximum is cut to it, however large', () => {
    assert.equal(deadlineBudgetMs('10001', MAX), MAX);
    assert.equal(deadlineBudgetMs('9007199254740993', MAX), MAX);
    assert.equal(deadlineBudgetMs('9'.repeat(400), MAX), MAX, 'a number that overflows to Infinity');
    assert.equal(deadlineBudgetMs('1'.repeat(16 * 1024), MAX), MAX, 'as long as a header can be');
  });

  it('ignores anything but one plain non-negative integer, falling back to the maximum', () => {
    const hostile = ['-5', '-0', 'NaN', 'Infinity', '-Infinity', '1e3', '1e400', '100.5', '0x10', '+100', ' 100', '100 ', '100ms', '', ' ', '١٠٠', '100, 200', '100,200', '[100]', 'null'];
    for (const value of hostile) assert.equal(deadlineBudgetMs(value, MAX), MAX, JSON.stringify(value));
  });

  it('ignores a header sent several times rather than picking one', () => {
    assert.equal(deadlineBudgetMs(['100', '200'], MAX), MAX);
    assert.equal(deadlineBudgetMs([], MAX), MAX);
  });
});

describe('time left', () => {
  it('rounds down and never goes below zero', () => {
    assert.equal(remainingMs(1000.9, 500), 500);
    assert.equal(remainingMs(1000, 999.5), 0);
    assert.equal(remainingMs(1000, 5000), 0);
  });
});

describe('a deadline inside another', () => {
  it('aborts with the outer deadline and its reason, before its own time', () => {
    const outer = new AbortController();
    const inner = startDeadline(60_000, outer.signal);
    const reason = new Error('request deadline');
    outer.abort(reason);
    assert.equal(inner.signal.aborted, true);
    assert.equal(inner.signal.reason, reason);
    inner.clear();
  });

  it('aborts at once inside an outer deadline that has already passed', () => {
    const inner = startDeadline(60_000, AbortSignal.abort('gone'));
    assert.equal(inner.signal.reason, 'gone');
    inner.clear();
  });

  it('times out by itself (TimeoutError), and once cleared no longer follows the outer one', async () => {
    const outer = new AbortController();
    const timed = startDeadline(5, outer.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal((timed.signal.reason as DOMException).name, 'TimeoutError');
    timed.clear();
    const cleared = startDeadline(60_000, outer.signal);
    cleared.clear();
    outer.abort();
    assert.equal(cleared.signal.aborted, false);
  });
});
