import { GraphQLError, type ExecutionResult } from 'graphql';
import { federation, startSubgraphs, type SubgraphRequest, type Tamper } from './serve.ts';
import type { RunningGraph } from './types.ts';

/**
 * Subgraphs for the fault cases (fault-cases.ts), one fault per case:
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
  type Item @key(fields: "id") { id: ID! detail: Detail mustHave: String! guarded: String tags: [String!]! }
  interface Described { text: String! }
  type Detail implements Described { text: String! lines: [String!] }
  type Query { detailRoot: Detail described: Described }
`;

const OFFLINE = federation('@key') + /* GraphQL */ `
  type Item @key(fields: "id") { id: ID! stock: Int }
  type Query { offlineStatus: String }
`;

const items = () => ['i1', 'i2', 'i3'].map((id) => ({ id, name: `Item ${id}` }));

const detailsResolvers = {
  Query: {
    detailRoot: () => ({ text: 'root detail', lines: ['a', null, 'c'] }),
    described: () => ({ __typename: 'Detail', text: 'described' }),
  },
  Item: {
    tags: ({ id }: { id: string }) => [`tag ${id}`, 'shared'],
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
  // Answers no GraphQL server gives, which only the gateway's result shaping catches:
  // null in a non-null field without an error, and a number where a String! goes.
  SilentNull: (honest) => json({ data: { _entities: (honest.data as unknown as Entities)._entities.map((e, i) => (i === 1 ? { ...e, mustHave: null } : e)) } }),
  SilentNullInList: (honest) => json({ data: { _entities: (honest.data as unknown as Entities)._entities.map((e, i) => (i === 2 ? { ...e, mustHave: null } : e)) } }),
  WrongLeaf: (honest) => json({ data: { _entities: (honest.data as unknown as Entities)._entities.map((e, i) => (i === 0 ? { ...e, mustHave: 42 } : e)) } }),
  SilentNullInNonNullList: (honest) => json({ data: { _entities: (honest.data as unknown as Entities)._entities.map((e, i) => (i === 0 ? { ...e, tags: ['first', null] } : e)) } }),
  // An interface's name where an object type's belongs: no object type to give `__typename`.
  AbstractTypename: () => json({ data: { described: { __typename: 'Described', text: 'described' } } }),
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

export function startFaults(): Promise<RunningGraph> {
  return startSubgraphs('faults', [
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
  ]);
}
