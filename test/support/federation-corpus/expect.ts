import assert from 'node:assert/strict';
import type { Answer } from './types.ts';

type Path = readonly (string | number)[];

function at(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, key) => (v === null || v === undefined ? undefined : (v as Record<string | number, unknown>)[key]), value);
}

/** Assertions on a reference answer, composable: `answer: all(valueAt([...], x), errorAt({...}))`. */
export const valueAt = (path: Path, expected: unknown) => (answer: Answer) =>
  // Through JSON because graphql-js builds its data objects without a prototype.
  assert.deepEqual(JSON.parse(JSON.stringify(at(answer.body.data, path)) ?? 'null'), expected, `data at ${path.join('.')}`);

export const noErrors = (answer: Answer) => assert.equal(answer.body.errors, undefined, `no errors: ${JSON.stringify(answer.body.errors)}`);

export const status = (expected: number) => (answer: Answer) => assert.equal(answer.status, expected, 'HTTP status');

export const dataIsNull = (answer: Answer) => assert.equal(answer.body.data, null, 'data is null');

/** Some error has this path and, if given, this code and a message containing this text. */
export const errorAt = (expected: { path?: Path; code?: string; message?: string }) => (answer: Answer) => {
  const errors = answer.body.errors ?? [];
  const found = errors.some((e) =>
    (expected.path === undefined || JSON.stringify(e.path) === JSON.stringify(expected.path))
    && (expected.code === undefined || e.extensions?.['code'] === expected.code)
    && (expected.message === undefined || e.message.includes(expected.message)));
  assert.ok(found, `an error like ${JSON.stringify(expected)} among ${JSON.stringify(errors)}`);
};

export const all = (...checks: ((answer: Answer) => void)[]) => (answer: Answer) => checks.forEach((check) => check(answer));
