import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldHeaders } from '../../gateway/subgraphs/field-headers.ts';

describe('subgraph fetch headers (FieldHeaders)', () => {
  it('reads names case-insensitively and keeps them lower-cased for undici, as WHATWG Headers does', () => {
    const headers = new FieldHeaders();
    headers.set('Content-Type', 'application/json');
    headers.set('X-Storefront-Identity', 'token');
    assert.equal(headers.get('content-type'), 'application/json');
    assert.equal(headers.get('CONTENT-TYPE'), 'application/json');
    assert.ok(headers.has('x-storefront-identity'));
    assert.deepEqual({ ...headers.fields }, { 'content-type': 'application/json', 'x-storefront-identity': 'token' });
  });

  it('joins appended values with ", " and lets set() replace them, as Headers does', () => {
    const headers = new FieldHeaders();
    headers.append('Accept', 'application/json');
    headers.append('accept', 'text/plain');
    assert.equal(headers.get('accept'), 'application/json, text/plain');
    headers.set('ACCEPT', 'application/graphql-response+json');
    assert.equal(headers.get('accept'), 'application/graphql-response+json');
    headers.delete('Accept');
    assert.equal(headers.get('accept'), null);
    assert.equal(headers.has('accept'), false);
  });

  it('reads an answer record from undici in place, a repeated field joined', () => {
    const fields = { 'cache-control': 'public, max-age=60', 'set-cookie': ['a=1', 'b=2'], 'x-absent': undefined };
    const headers = new FieldHeaders(fields);
    assert.equal(headers.get('Cache-Control'), 'public, max-age=60');
    assert.equal(headers.get('set-cookie'), 'a=1, b=2');
    assert.equal(headers.get('x-absent'), null);
    assert.equal(headers.has('x-absent'), false);
    assert.equal(headers.fields, fields, 'not copied');
  });

  it('iterates [name, value] pairs (entries, keys, values, for-of, forEach), skipping absent fields', () => {
    const headers = new FieldHeaders({ a: '1', b: ['2', '3'], c: undefined });
    const expected = [['a', '1'], ['b', '2, 3']];
    assert.deepEqual([...headers], expected);
    assert.deepEqual([...headers.entries()], expected);
    assert.deepEqual([...headers.keys()], ['a', 'b']);
    assert.deepEqual([...headers.values()], ['1', '2, 3']);
    const seen: string[][] = [];
    headers.forEach((value, name, self) => {
      assert.equal(self, headers);
      seen.push([name, value]);
    });
    assert.deepEqual(seen, expected);
    assert.deepEqual(Object.fromEntries(headers), { a: '1', b: '2, 3' });
  });

  it('treats names of object members as plain fields, never as what an object inherits', () => {
    const answer = new FieldHeaders({ 'content-type': 'text/html' });
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.equal(answer.get(name), null, name);
      assert.equal(answer.has(name), false, name);
    }
    const request = new FieldHeaders();
    request.set('__proto__', 'x');
    request.set('constructor', 'y');
    assert.equal(request.get('__proto__'), 'x');
    assert.equal(request.get('constructor'), 'y');
    assert.deepEqual([...request], [['__proto__', 'x'], ['constructor', 'y']]);
  });
});
