import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadlineBudgetMs, remainingMs } from '../../common/deadline.ts';

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
