import type { FetcherHeaders } from '@apollo/utils.fetcher';

/** undici's shape of header fields: lower-cased names, a repeated response field as an array. */
export type HeaderFields = Record<string, string | string[] | undefined>;

/**
 * The header fields of one subgraph fetch or answer, over a plain record:
 * what `request.http.headers` and `response.http.headers` must offer
 * (FetcherHeaders: willSendRequest, trace propagation and the entity cache
 * call get/set/has), read the way WHATWG Headers reads (names case-insensitive,
 * repeated values joined by ", "). The record goes to undici as it is and comes
 * back from it as it is.
 *
 * Written by hand: node-fetch's and undici's Headers are the cost this saves
 * (a sorted name list and validation on every call, then a copy into and out
 * of undici's own form on every fetch), and no library offers a plain one.
 * Hazards: names and values are checked only when undici sends them (a bad
 * value fails the fetch, not the set() call); iteration is in insertion order,
 * not sorted.
 */
export class FieldHeaders implements FetcherHeaders {
  readonly fields: HeaderFields;

  /** Takes `fields` over (an answer's record from undici); without it, starts empty. */
  constructor(fields?: HeaderFields) {
    // No prototype: a field named `constructor` or `__proto__` is just a field.
    this.fields = fields ?? (Object.create(null) as HeaderFields);
  }

  get(name: string): string | null {
    const value = this.fields[name.toLowerCase()];
    // Typed checks, not `!== undefined`: undici's answer records are plain objects, with inherited members.
    if (typeof value === 'string') return value;
    return Array.isArray(value) ? value.join(', ') : null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  set(name: string, value: string): void {
    this.fields[name.toLowerCase()] = String(value);
  }

  append(name: string, value: string): void {
    const previous = this.get(name);
    this.fields[name.toLowerCase()] = previous === null ? String(value) : `${previous}, ${value}`;
  }

  delete(name: string): void {
    delete this.fields[name.toLowerCase()];
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.fields)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, name: string, headers: FieldHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }
}
