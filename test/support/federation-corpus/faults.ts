import assert from 'node:assert/strict';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { all, dataIsNull, errorAt, status, valueAt } from './expect.ts';
import { federation, startSubgraphs, type SubgraphRequest, type Tamper } from './serve.ts';
import type { CorpusGraph } from './types.ts';

/**
 * Faults, one per case, over three subgraphs:
 * - catalog (honest): items i1, i2, i3; root fields that fail.
 * - details (can lie, see Tamper): per-item fields that fail, return null
 *   into non-null, or carry error codes; and, chosen by the client's
 *   operation name (the gateway names subgraph operations
 *   `<ClientName>__details__<n>`), answers no GraphQL server would give.
 * - offline: composed but listening nowhere (connection refused).
 *
 * Apollo's executor lists subgraph errors in the order the fetches complete,
 * so no case has two failing fetches that run concurrently: the order, which
 * the comparison checks, is then the same on every run.
 */
const CATALOG = federation('@key') + /* GraphQL */ `
  type Item @key(fields: "id") { id: ID! name: String! }
  type Query {
    items: [Item!]
    looseItems: [Item]
    ghostItems: [Item]
    failingRoot: String
    failingNonNullRoot: String!
  }
`;

const DETAILS = federation('@key') + /* GraphQL */ `
  type Item @key(fields: "id") { id: ID! detail: Detail mustHave: String! guarded: String }
  type Detail { text: String! lines: [String!] }
  type Query { detailRoot: Detail }
`;

const OFFLINE = federation('@key') + /* GraphQL */ `
  type Item @key(fields: "id") { id: ID! stock: Int }
  type Query { offlineStatus: String }
`;

const items = () => ['i1', 'i2', 'i3'].map((id) => ({ id, name: `Item ${id}` }));

const detailsResolvers = {
  Query: { detailRoot: () => ({ text: 'root detail', lines: ['a', null, 'c'] }) },
  Item: {
    // An entity details has never heard of: _entities holds null for it, without an error.
    __resolveReference: ({ id }: { id: string }) => (id === 'zz' ? null : { id }),
    detail: ({ id }: { id: string }) => {
      if (id === 'i2') throw new Error(`no detail for ${id}`);
      return { text: `detail of ${id}`, lines: id === 'i3' ? ['x', null] : ['x', 'y'] };
    },
    mustHave: ({ id }: { id: string }) => (id === 'i3' ? null : `must ${id}`),
    guarded: ({ id }: { id: string }) => {
      if (id === 'i1') throw new GraphQLError('not allowed to see i1', { extensions: { code: 'FORBIDDEN', reason: { policy: 'staff-only' } } });
      return `guarded ${id}`;
    },
  },
};

/** The client operation a subgraph request was planned from. */
const clientOperation = (request: SubgraphRequest) => /^\s*\w+\s+(\w+?)__details__\d+/.exec(request.query)?.[1];

type Entities = { _entities: Record<string, unknown>[] };
const json = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });

const lies: Record<string, (honest: ExecutionResult) => ReturnType<Tamper>> = {
  Cacheable: (honest) => ({ ...json(honest), headers: { 'cache-control': 'max-age=60, public' } }),
  ServerError: () => ({ status: 500, body: 'upstream exploded' }),
  ServerErrorWithGraphQLBody: () => ({ status: 500, body: JSON.stringify({ errors: [{ message: 'details crashed', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }) }),
  GhostTypename: (honest) => {
    const entities = (honest.data as unknown as Entities)._entities;
    return json({ data: { _entities: entities.map((e, i) => (i === 1 ? { ...e, __typename: 'Ghost' } : e)) } });
  },
  ShortEntities: (honest) => json({ data: { _entities: (honest.data as unknown as Entities)._entities.slice(0, -1) } }),
  LongEntities: (honest) => {
    const entities = (honest.data as unknown as Entities)._entities;
    return json({ data: { _entities: [...entities, entities[0]] } });
  },
  PathlessError: (honest) => json({ ...honest, errors: [{ message: 'details is degraded', extensions: { code: 'DEGRADED' } }] }),
  GaveUp: () => json({ data: null, errors: [{ message: 'details gave up', extensions: { code: 'SERVICE_OVERLOADED', retryAfterSeconds: 3 } }] }),
};

const tamper: Tamper = (request, honest) => {
  const lie = lies[clientOperation(request) ?? ''];
  return lie ? lie(honest) : undefined;
};

export const faultsGraph: CorpusGraph = {
  title: 'faults: failing, lying and missing subgraphs',
  start: () => startSubgraphs('faults', [
    { name: 'catalog', typeDefs: CATALOG, resolvers: {
      Query: {
        items, looseItems: items,
        ghostItems: () => [...items().slice(0, 1), { id: 'zz', name: 'Item zz' }, ...items().slice(1, 2)],
        failingRoot: () => { throw new Error('catalog failed at the root'); },
        failingNonNullRoot: () => { throw new Error('catalog failed at a non-null root'); },
      },
      Item: { __resolveReference: ({ id }: { id: string }) => ({ id, name: `Item ${id}` }) },
    } },
    { name: 'details', typeDefs: DETAILS, resolvers: detailsResolvers, tamper },
    { name: 'offline', typeDefs: OFFLINE, down: true },
  ]),
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
