import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/**
 * Another team's graph: two subgraphs (library, reviews) from
 * test/fixtures/nested-graph, with nested lists and no cost directives, served
 * over real HTTP on ephemeral ports, and the supergraph composed from them.
 *
 * Data: 40 authors of 5 books each (200 books), 4 shelves of 8 books, 2
 * editions and 3 reviews (2 tags each) per book; `similar(limit:)` returns
 * `limit` books (4 by default), `authors(first:)` the first ones (all 40 by default).
 */
export interface NestedGraph {
  readonly supergraphPath: string;
  readonly supergraphSdl: string;
  readonly subgraphUrls: Record<'library' | 'reviews', string>;
  stop(): Promise<void>;
}

const AUTHORS = 40;
const BOOKS_PER_AUTHOR = 5;
const BOOKS = AUTHORS * BOOKS_PER_AUTHOR;

const book = (index: number) => ({ id: `b${index % BOOKS}` });
const bookIndex = (id: string) => Number(id.slice(1));
const author = (index: number) => ({ id: `a${index}`, name: `Author ${index}` });

const libraryResolvers = {
  Query: {
    authors: (_: unknown, args: { first?: number | null }) => Array.from({ length: Math.min(args.first ?? AUTHORS, AUTHORS) }, (_, i) => author(i)),
    shelves: () => Array.from({ length: 4 }, (_, s) => ({ id: `s${s}`, name: `Shelf ${s}`, books: Array.from({ length: 8 }, (_, i) => book(s * 8 + i)) })),
  },
  Author: {
    __resolveReference: (ref: { id: string }) => author(Number(ref.id.slice(1))),
    books: (parent: { id: string }) => Array.from({ length: BOOKS_PER_AUTHOR }, (_, i) => book(Number(parent.id.slice(1)) * BOOKS_PER_AUTHOR + i)),
  },
  Book: {
    __resolveReference: (ref: { id: string }) => book(bookIndex(ref.id)),
    title: (parent: { id: string }) => `Title ${parent.id}`,
    weightGrams: (parent: { id: string }) => 200 + bookIndex(parent.id),
    editions: () => [{ format: 'hardcover' }, { format: 'paperback' }],
    author: (parent: { id: string }) => author(Math.floor(bookIndex(parent.id) / BOOKS_PER_AUTHOR)),
    similar: (parent: { id: string }, args: { limit?: number | null }) => Array.from({ length: Math.max(0, args.limit ?? 4) }, (_, i) => book(bookIndex(parent.id) + i + 1)),
  },
};

const reviewsResolvers = {
  Book: {
    __resolveReference: (ref: { id: string; weightGrams?: number; editions?: unknown[] }) => ref,
    reviews: (parent: { id: string }, args: { last?: number | null }) =>
      Array.from({ length: Math.min(args.last ?? 3, 3) }, (_, i) => ({ id: `${parent.id}-r${i}`, stars: 1 + ((bookIndex(parent.id) + i) % 5), tags: ['plot', 'style'] })),
    shippingCostCents: (parent: { weightGrams: number; editions: unknown[] }) => parent.weightGrams * 2 + parent.editions.length * 100,
  },
};

const fixture = (name: string) => readFileSync(new URL(`../fixtures/nested-graph/${name}.graphql`, import.meta.url), 'utf8');

async function serve(typeDefs: string, resolvers: object): Promise<{ url: string; stop: () => Promise<void> }> {
  // @apollo/subgraph's resolver map type is looser than what we pass; the
  // shapes above are checked by the tests that read the data back.
  const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs: parse(typeDefs), resolvers: resolvers as never }]) });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

export async function startNestedGraph(): Promise<NestedGraph> {
  const library = await serve(fixture('library'), libraryResolvers);
  const reviews = await serve(fixture('reviews'), reviewsResolvers);
  const composed = composeServices([
    { name: 'library', typeDefs: parse(fixture('library')), url: library.url },
    { name: 'reviews', typeDefs: parse(fixture('reviews')), url: reviews.url },
  ]);
  if (composed.errors) throw new Error(`the nested-graph fixture does not compose: ${composed.errors.map((e) => e.message).join('; ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'nested-graph-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);
  return {
    supergraphPath,
    supergraphSdl: composed.supergraphSdl,
    subgraphUrls: { library: library.url, reviews: reviews.url },
    async stop() {
      await Promise.all([library.stop(), reviews.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
