import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { identityKey, verifyIdentityAssertion } from '../../common/identity.ts';
import { DEV_IDENTITY_SECRET } from '../../common/secrets.ts';
import { IDENTITY_HEADER } from '../../common/upstream/wire.ts';

/**
 * A small graph whose cache hints the tests choose (test/fixtures/cache-graph):
 * `shop` (root fields: public 60 s, public 1 s, private, unhinted, and one that
 * waits on a gate) and `warehouse` (Stock entities: public 1 s, one private
 * field). Each subgraph records every request it receives, with the identity
 * the gateway asserted, so tests assert exactly what was fetched and for whom.
 */
export interface ReceivedRequest {
  readonly query: string;
  readonly representations: readonly string[];
  readonly userId: string | null;
}

export interface CacheGraph {
  readonly supergraphPath: string;
  readonly subgraphUrls: Record<'shop' | 'warehouse', string>;
  readonly received: Record<'shop' | 'warehouse', ReceivedRequest[]>;
  /** slowBoard waits until the gate is open; closing it makes the next slowBoard wait. */
  readonly gate: { close(): void; open(): void };
  stop(): Promise<void>;
}

const fixture = (name: string) => readFileSync(new URL(`../fixtures/cache-graph/${name}.graphql`, import.meta.url), 'utf8');
const key = identityKey(DEV_IDENTITY_SECRET);

interface Context {
  readonly userId: string | null;
}

async function serve(typeDefs: string, resolvers: object, received: ReceivedRequest[]): Promise<{ url: string; stop: () => Promise<void> }> {
  // @apollo/subgraph's resolver map type is looser than what we pass; the tests read the shapes back.
  const server = new ApolloServer<Context>({
    schema: buildSubgraphSchema([{ typeDefs: parse(typeDefs), resolvers: resolvers as never }]),
    plugins: [
      {
        async requestDidStart({ request, contextValue }) {
          const representations = (request.variables?.['representations'] as { id: string }[] | undefined) ?? [];
          received.push({ query: request.query ?? '', representations: representations.map((r) => r.id), userId: contextValue.userId });
        },
      },
    ],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      const header = req.headers[IDENTITY_HEADER];
      return verifyIdentityAssertion(key, Array.isArray(header) ? header[0] : header);
    },
  });
  return { url, stop: () => server.stop() };
}

export async function startCacheGraph(): Promise<CacheGraph> {
  const received = { shop: [] as ReceivedRequest[], warehouse: [] as ReceivedRequest[] };
  let quoteVersion = 0;
  const levels = new Map<string, number>();
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  const stock = (id: string) => ({ id });
  const shop = await serve(
    fixture('shop'),
    {
      Query: {
        stocks: () => ['s1', 's2', 's3'].map(stock),
        quote: () => ({ version: ++quoteVersion, producedAtMs: Date.now() }),
        whoami: (_: unknown, _args: unknown, context: Context) => context.userId,
        slowBoard: async () => {
          await gate?.promise;
          return ['s1', 's2'].map(stock);
        },
        unhinted: () => 42,
      },
    },
    received.shop,
  );
  const warehouse = await serve(
    fixture('warehouse'),
    {
      Stock: {
        __resolveReference: (ref: { id: string }) => stock(ref.id),
        level: (parent: { id: string }) => {
          const level = (levels.get(parent.id) ?? 0) + 1;
          levels.set(parent.id, level);
          return level;
        },
        reservedByMe: (parent: { id: string }, _args: unknown, context: Context) => `${parent.id} reserved by ${context.userId ?? 'nobody'}`,
      },
    },
    received.warehouse,
  );
  const composed = composeServices([
    { name: 'shop', typeDefs: parse(fixture('shop')), url: shop.url },
    { name: 'warehouse', typeDefs: parse(fixture('warehouse')), url: warehouse.url },
  ]);
  if (composed.errors) throw new Error(`the cache-graph fixture does not compose: ${composed.errors.map((e) => e.message).join('; ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'cache-graph-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);
  return {
    supergraphPath,
    subgraphUrls: { shop: shop.url, warehouse: warehouse.url },
    received,
    gate: {
      close() {
        let open!: () => void;
        const promise = new Promise<void>((resolve) => (open = resolve));
        gate = { promise, open };
      },
      open() {
        gate?.open();
        gate = undefined;
      },
    },
    async stop() {
      gate?.open();
      await Promise.all([shop.stop(), warehouse.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
