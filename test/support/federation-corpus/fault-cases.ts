import assert from 'node:assert/strict';
import { all, dataIsNull, errorAt, status, valueAt } from './expect.ts';
import { startFaults } from './faults.ts';
import type { CorpusGraph } from './types.ts';

/** One fault per case; the subgraphs and their lies are in faults.ts. */
export const faultsGraph: CorpusGraph = {
  title: 'faults: failing, lying and missing subgraphs',
  start: startFaults,
  cases: [
    {
      name: 'puts an error inside an entity fetch under the client\'s path, keeping the other entities',
      shapes: ['fault-entity-fetch-error', 'fault-partial-data'],
      query: '{ items { id name detail { text } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(errorAt({ path: ['items', 1, 'detail'], message: 'no detail for i2' }), valueAt(['items', 1], { id: 'i2', name: 'Item i2', detail: null }), valueAt(['items', 0, 'detail', 'text'], 'detail of i1')),
    },
    {
      name: 'builds the error path of an entity fetch from the client\'s aliases',
      shapes: ['fault-entity-fetch-error', 'alias', 'alias-entity-field'],
      query: '{ list: looseItems { key: id more: detail { words: text } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(errorAt({ path: ['list', 1, 'more'], message: 'no detail for i2' }), valueAt(['list', 1], { key: 'i2', more: null })),
    },
    {
      name: 'answers the other root fields when one root field fails',
      shapes: ['fault-root-fetch-error', 'fault-partial-data'],
      query: '{ failingRoot items { id } detailRoot { text } }',
      plan: { fetches: 2, has: ['Parallel'] },
      answer: all(errorAt({ path: ['failingRoot'], message: 'catalog failed at the root' }), valueAt(['failingRoot'], null), valueAt(['detailRoot', 'text'], 'root detail')),
    },
    {
      name: 'nulls the whole data when a non-null root field fails',
      shapes: ['fault-root-fetch-error', 'fault-non-null-propagation'],
      query: '{ failingNonNullRoot detailRoot { text } }',
      plan: { fetches: 2, has: ['Parallel'] },
      answer: all(dataIsNull, errorAt({ path: ['failingNonNullRoot'] })),
    },
    {
      name: 'propagates a null in a non-null entity field up to the nullable list holding non-null items',
      shapes: ['fault-non-null-propagation', 'fault-non-null-in-list', 'fault-entity-fetch-error'],
      query: '{ items { id mustHave } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(valueAt(['items'], null), errorAt({ path: ['items', 2, 'mustHave'] })),
    },
    {
      name: 'stops a null in a non-null entity field at the nullable list item',
      shapes: ['fault-non-null-propagation', 'fault-non-null-in-list'],
      query: '{ looseItems { id mustHave } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(valueAt(['looseItems', 2], null), valueAt(['looseItems', 0], { id: 'i1', mustHave: 'must i1' }), errorAt({ path: ['looseItems', 2, 'mustHave'] })),
    },
    {
      name: 'keeps a null that the subgraph propagated inside a list of non-null strings, at the root',
      shapes: ['fault-non-null-in-list', 'fault-partial-data'],
      query: '{ detailRoot { text lines } items { id } }',
      plan: { fetches: 2, has: ['Parallel'] },
      answer: all(valueAt(['detailRoot'], { text: 'root detail', lines: null }), valueAt(['items', 0], { id: 'i1' }), errorAt({ path: ['detailRoot', 'lines', 1] })),
    },
    {
      name: 'keeps a null that the subgraph propagated inside a list of non-null strings, in an entity fetch',
      shapes: ['fault-non-null-in-list', 'fault-entity-fetch-error'],
      query: '{ looseItems { detail { lines } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(valueAt(['looseItems', 2, 'detail', 'lines'], null), valueAt(['looseItems', 1, 'detail'], null), errorAt({ path: ['looseItems', 2, 'detail', 'lines', 1] })),
    },
    {
      name: 'passes an error\'s extensions code and details through from an entity fetch',
      shapes: ['fault-error-extensions', 'fault-entity-fetch-error'],
      query: '{ items { id guarded } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(errorAt({ path: ['items', 0, 'guarded'], code: 'FORBIDDEN' }), valueAt(['items', 1, 'guarded'], 'guarded i2')),
    },
    {
      name: 'passes a subgraph\'s cache-control on to the client when it alone answered',
      shapes: ['cache-control-hints'],
      operationName: 'Cacheable',
      query: 'query Cacheable { detailRoot { text } }',
      plan: { fetches: 1 },
      answer: (answer) => assert.deepEqual(answer.headers, [['cache-control', 'max-age=60, public']]),
    },
    {
      name: 'answers no-store when one subgraph sent no cache-control next to one that did',
      shapes: ['cache-control-hints'],
      operationName: 'Cacheable',
      query: 'query Cacheable { items { id detail { text } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: (answer) => assert.deepEqual(answer.headers, [['cache-control', 'no-store']]),
    },
    {
      name: 'reports a subgraph answering HTTP 500 with a text body',
      shapes: ['fault-http-500'],
      operationName: 'ServerError',
      query: 'query ServerError { items { id detail { text } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(status(200), errorAt({ message: '500' }), valueAt(['items', 0, 'id'], 'i1')),
    },
    {
      name: 'reports a subgraph answering HTTP 500 with GraphQL errors at the root',
      shapes: ['fault-http-500', 'fault-error-extensions'],
      operationName: 'ServerErrorWithGraphQLBody',
      query: 'query ServerErrorWithGraphQLBody { detailRoot { text } items { id } }',
      plan: { fetches: 2 },
      answer: all(errorAt({ message: '500: Internal Server Error' }), valueAt(['detailRoot'], null), valueAt(['items', 0, 'id'], 'i1')),
    },
    {
      name: 'reports a subgraph that refuses connections, for a root and an entity fetch',
      shapes: ['fault-subgraph-down'],
      query: '{ offlineStatus items { id stock } }',
      plan: { fetches: 3 },
      answer: all(errorAt({ message: 'ECONNREFUSED' }), valueAt(['items', 0], { id: 'i1', stock: null })),
    },
    {
      name: 'handles an entity with a __typename the supergraph does not know',
      shapes: ['fault-invalid-typename'],
      operationName: 'GhostTypename',
      query: 'query GhostTypename { looseItems { id detail { text } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      // Apollo reports this in extensions.valueCompletion, not in errors.
      answer: all(valueAt(['looseItems', 1], null), valueAt(['looseItems', 0, 'detail', 'text'], 'detail of i1'), (answer) => assert.match(JSON.stringify(answer.body.extensions), /Invalid __typename/)),
    },
    {
      name: 'nulls the nearest nullable parent of a non-null field a subgraph leaves null without an error',
      shapes: ['fault-silent-null', 'fault-non-null-propagation'],
      operationName: 'SilentNull',
      query: 'query SilentNull { looseItems { id mustHave } }',
      plan: { fetches: 2, has: ['Flatten'] },
      // No subgraph error: the gateway's own shaping finds it, and Apollo reports it in extensions.valueCompletion.
      answer: all(valueAt(['looseItems', 1], null), valueAt(['looseItems', 0, 'mustHave'], 'must i1'), (answer) => assert.match(JSON.stringify(answer.body.extensions), /Cannot return null for non-nullable field Item\.mustHave\..*"path":\["looseItems",1,"mustHave"\]/)),
    },
    {
      name: 'nulls a whole list of non-null items when one item has a silent null in a non-null field',
      shapes: ['fault-silent-null', 'fault-non-null-in-list'],
      operationName: 'SilentNullInList',
      query: 'query SilentNullInList { items { id mustHave } failingRoot }',
      plan: { fetches: 2, has: ['Flatten'] },
      // failingRoot's error is a fetch error: with one, Apollo drops the shaping errors.
      answer: all(valueAt(['items'], null), errorAt({ message: 'catalog failed at the root' }), (answer) => assert.equal(answer.body.extensions, undefined)),
    },
    {
      name: 'nulls a leaf of the wrong type and says so once, without a second error for the non-null field',
      shapes: ['fault-wrong-leaf-type', 'fault-non-null-propagation'],
      operationName: 'WrongLeaf',
      query: 'query WrongLeaf { looseItems { id mustHave } }',
      plan: { fetches: 2, has: ['Flatten'] },
      // (The lie also drops the subgraph's error for i3's null: that one is a silent null.)
      answer: all(valueAt(['looseItems', 0], null), (answer) => {
        const completion = (answer.body.extensions as { valueCompletion: { message: string; path: unknown[] }[] }).valueCompletion;
        const first = completion.filter((e) => JSON.stringify(e.path) === '["looseItems",0,"mustHave"]').map((e) => e.message);
        assert.deepEqual(first, ['Invalid value found for field Item.mustHave.']);
      }),
    },
    {
      name: 'reports a silent null inside a non-null list once, at the item, and nulls the entity holding the list',
      shapes: ['fault-silent-null', 'fault-non-null-in-list'],
      operationName: 'SilentNullInNonNullList',
      query: 'query SilentNullInNonNullList { looseItems { id tags } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(valueAt(['looseItems', 0], null), valueAt(['looseItems', 1, 'tags'], ['tag i2', 'shared']), (answer) => {
        const completion = (answer.body.extensions as { valueCompletion: { message: string }[] }).valueCompletion;
        assert.deepEqual(completion.map((e) => e.message), ['Cannot return null for non-nullable array element of type String at index 1.']);
      }),
    },
    {
      name: 'nulls an object whose __typename names an interface, without an error',
      shapes: ['fault-invalid-typename'],
      operationName: 'AbstractTypename',
      query: 'query AbstractTypename { described { __typename text } }',
      plan: { fetches: 1 },
      answer: all(valueAt(['described'], null), (answer) => assert.equal(answer.body.errors, undefined)),
    },
    {
      name: 'handles an _entities answer shorter than the representations sent',
      shapes: ['fault-entities-wrong-length'],
      operationName: 'ShortEntities',
      query: 'query ShortEntities { looseItems { id mustHave } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(errorAt({ message: 'to contain 3 elements' }), valueAt(['looseItems'], [null, null, null])),
    },
    {
      name: 'handles an _entities answer longer than the representations sent',
      shapes: ['fault-entities-wrong-length'],
      operationName: 'LongEntities',
      query: 'query LongEntities { looseItems { id guarded } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(errorAt({ message: 'to contain 3 elements' }), valueAt(['looseItems', 1], { id: 'i2', guarded: null })),
    },
    {
      name: 'reports data: null with coded errors from an entity fetch, keeping the root data',
      shapes: ['fault-data-null', 'fault-error-extensions'],
      operationName: 'GaveUp',
      query: 'query GaveUp { looseItems { id detail { text } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(errorAt({ message: 'details gave up' }), valueAt(['looseItems', 0, 'id'], 'i1')),
    },
    {
      name: 'reports data: null with coded errors from a root fetch',
      shapes: ['fault-data-null', 'fault-root-fetch-error'],
      operationName: 'GaveUp',
      query: 'query GaveUp { detailRoot { text } items { id } }',
      plan: { fetches: 2 },
      answer: all(errorAt({ message: 'details gave up' }), valueAt(['detailRoot'], null), valueAt(['items', 2, 'id'], 'i3')),
    },

    {
      name: 'leaves an entity the subgraph resolved to null without fields, and without an error',
      shapes: ['fault-partial-data'],
      query: '{ ghostItems { id name detail { text } guarded } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(
        valueAt(['ghostItems', 1], { id: 'zz', name: 'Item zz', detail: null, guarded: null }),
        valueAt(['ghostItems', 2, 'guarded'], 'guarded i2'),
        (answer) => assert.deepEqual(answer.body.errors?.filter((e) => e.path?.[1] === 1), []),
      ),
    },
    {
      name: 'passes on an error without a path from an entity fetch next to its data',
      shapes: ['fault-error-extensions', 'fault-partial-data'],
      operationName: 'PathlessError',
      query: 'query PathlessError { items { id detail { text } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(errorAt({ message: 'details is degraded', code: 'DEGRADED' }), valueAt(['items', 0, 'detail', 'text'], 'detail of i1')),
    },
  ],
};
