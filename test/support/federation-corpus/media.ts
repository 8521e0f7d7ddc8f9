import { federation, startSubgraphs } from './serve.ts';
import type { RunningGraph } from './types.ts';

/**
 * A media library in four subgraphs, built for abstract types:
 * - catalog: the entity interface Media (Book, Movie), the union SearchResult
 *   (Book, Movie and Podcast, which only podcasts resolves), the value
 *   interface Creator (Author here, Host in podcasts), an enum with an
 *   @inaccessible value, custom scalars (DateTime, JSON), lists of lists,
 *   and Book.pages taken over from legacy with @override.
 * - reviews: Media as an @interfaceObject (rating, similar, topRated), so the
 *   plan rewrites __typename on the way in and out.
 * - podcasts: Podcast, Host implements Creator, its own half of SearchResult.
 * - legacy: Book.pages before the @override (answers -1, which must never show).
 */
const CATALOG = federation('@key', '@override', '@inaccessible') + /* GraphQL */ `
  scalar DateTime
  scalar JSON
  enum Format { HARDCOVER PAPERBACK EBOOK DRAFT @inaccessible }
  interface Media @key(fields: "id") { id: ID! title: String! }
  interface Creator { name: String! }
  type Author implements Creator { name: String! born: DateTime }
  type Book implements Media @key(fields: "id") {
    id: ID!
    title: String!
    format: Format!
    published: DateTime!
    pages: Int @override(from: "legacy")
    internalCode: String @inaccessible
    author: Author!
    grid: [[Int!]!]!
    metadata: JSON
  }
  type Movie implements Media @key(fields: "id") { id: ID! title: String! runtimeMinutes: Int! }
  type Podcast @key(fields: "id", resolvable: false) { id: ID! }
  union SearchResult = Book | Movie | Podcast
  input SearchFilter { kinds: [String!] publishedBefore: DateTime }
  type Query {
    media: [Media!]!
    search(term: String!, formats: [Format!], filter: SearchFilter): [SearchResult!]!
    shelves: [[Media!]!]!
    book(id: ID!): Book
    booksPublishedAfter(after: DateTime!): [Book!]!
  }
`;

const REVIEWS = federation('@key', '@interfaceObject') + /* GraphQL */ `
  type Media @key(fields: "id") @interfaceObject { id: ID! rating: Float! reviewCount: Int! similar: [Media!]! critique: String }
  type Query { topRated(first: Int = 2): [Media!]! }
`;

const PODCASTS = federation('@key') + /* GraphQL */ `
  interface Creator { name: String! }
  type Host implements Creator { name: String! show: String! }
  type Episode { number: Int! minutes: Int! }
  type Podcast @key(fields: "id") { id: ID! title: String! host: Creator! episodes: [Episode!]! }
  union SearchResult = Podcast
  type Query { podcasts: [Podcast!]! creators: [Creator!]! }
`;

const LEGACY = federation('@key') + /* GraphQL */ `
  type Book @key(fields: "id") { id: ID! pages: Int legacyCode: String }
`;

type MediaRecord = { __typename: string; id: string } & Record<string, unknown>;
const BOOKS: Record<string, Record<string, unknown>> = {
  b1: { title: 'Dune', format: 'HARDCOVER', published: '1965-08-01T00:00:00Z', pages: 412, internalCode: 'X-1', author: { name: 'Frank Herbert', born: '1920-10-08T00:00:00Z' }, grid: [[1, 2], [3]], metadata: { shelf: 'A', tags: ['sf', 'classic'], nested: { depth: 1 } } },
  b2: { title: 'Emma', format: 'PAPERBACK', published: '1815-12-23T00:00:00Z', pages: null, internalCode: null, author: { name: 'Jane Austen', born: null }, grid: [], metadata: null },
  // A draft: its format is a value the API schema hides.
  b9: { title: 'Untitled', format: 'DRAFT', published: '2030-01-01T00:00:00Z', pages: 3, internalCode: 'D-9', author: { name: 'Nobody', born: null }, grid: [[], [0]], metadata: 'just a string' },
};
const MOVIES: Record<string, Record<string, unknown>> = { m1: { title: 'Alien', runtimeMinutes: 117 }, m2: { title: 'Heat', runtimeMinutes: 170 } };
const PODCASTS_DATA: Record<string, { title: string; host: { name: string; show: string } }> = {
  p1: { title: 'Talk', host: { name: 'Ira', show: 'Talk' } },
  p2: { title: 'Quiet', host: { name: 'Sue', show: 'Quiet' } },
};

const mediaById = (id: string): MediaRecord | null => {
  if (id in BOOKS) return { __typename: 'Book', id, ...BOOKS[id] };
  if (id in MOVIES) return { __typename: 'Movie', id, ...MOVIES[id] };
  return null;
};
const typeOf = (o: { __typename: string }) => o.__typename;
const RATINGS: Record<string, number> = { b1: 4.5, b2: 3.5, m1: 4, m2: 5, b9: 0 };

export function startMedia(): Promise<RunningGraph> {
  return startSubgraphs('media', [
    {
      name: 'catalog', typeDefs: CATALOG, resolvers: {
        Query: {
          media: () => ['b1', 'm1', 'b2', 'm2'].map(mediaById),
          search: (_: unknown, { formats, filter }: { formats?: string[] | null; filter?: { kinds?: string[] | null; publishedBefore?: string | null } | null }) => [
            mediaById('b1'), { __typename: 'Podcast', id: 'p1' }, mediaById('m1'), mediaById('b2'), { __typename: 'Podcast', id: 'p2' },
          ].filter((r) => !formats || r?.__typename !== 'Book' || formats.includes(r['format'] as string))
            .filter((r) => !filter?.kinds || filter.kinds.includes(r!.__typename))
            .filter((r) => !filter?.publishedBefore || r?.__typename !== 'Book' || (r['published'] as string) < filter.publishedBefore),
          shelves: () => [['b1', 'm1'], [], ['b2', 'm2', 'b1']].map((shelf) => shelf.map(mediaById)),
          book: (_: unknown, { id }: { id: string }) => (id in BOOKS ? mediaById(id) : null),
          booksPublishedAfter: (_: unknown, { after }: { after: string }) => Object.keys(BOOKS).map(mediaById).filter((b) => (b?.['published'] as string) > after),
        },
        Media: { __resolveReference: ({ id }: { id: string }) => mediaById(id), __resolveType: typeOf },
        Book: { __resolveReference: ({ id }: { id: string }) => mediaById(id) },
        Movie: { __resolveReference: ({ id }: { id: string }) => mediaById(id) },
        SearchResult: { __resolveType: typeOf },
        Creator: { __resolveType: () => 'Author' },
      },
    },
    {
      name: 'reviews', typeDefs: REVIEWS, resolvers: {
        Query: { topRated: (_: unknown, { first }: { first: number }) => ['m2', 'b1', 'm1'].slice(0, first).map((id) => ({ id })) },
        Media: {
          __resolveReference: ({ id }: { id: string }) => ({ id }),
          rating: ({ id }: { id: string }) => RATINGS[id] ?? 1,
          reviewCount: ({ id }: { id: string }) => id.charCodeAt(0) % 7 + Number(id.slice(1)),
          // Emma's critique fails: an error inside lists of lists, behind an @interfaceObject fetch.
          critique: ({ id }: { id: string }) => {
            if (id === 'b2') throw new Error(`critique of ${id} is lost`);
            return `critique of ${id}`;
          },
          similar: ({ id }: { id: string }) => (id.startsWith('b') ? [{ id: 'm1' }] : [{ id: 'b2' }, { id: 'b1' }]),
        },
      },
    },
    {
      name: 'podcasts', typeDefs: PODCASTS, resolvers: {
        Query: { podcasts: () => Object.keys(PODCASTS_DATA).map((id) => ({ id })), creators: () => Object.values(PODCASTS_DATA).map((p) => p.host) },
        Podcast: {
          __resolveReference: ({ id }: { id: string }) => ({ id }),
          title: ({ id }: { id: string }) => PODCASTS_DATA[id]!.title,
          host: ({ id }: { id: string }) => PODCASTS_DATA[id]!.host,
          episodes: ({ id }: { id: string }) => Array.from({ length: Number(id.slice(1)) + 1 }, (_, i) => ({ number: i + 1, minutes: 30 + i })),
        },
        Creator: { __resolveType: () => 'Host' },
        SearchResult: { __resolveType: () => 'Podcast' },
      },
    },
    {
      name: 'legacy', typeDefs: LEGACY, resolvers: {
        Book: { __resolveReference: ({ id }: { id: string }) => ({ id, pages: -1, legacyCode: `L-${id}` }) },
      },
    },
  ]);
}
