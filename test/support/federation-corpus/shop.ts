import { federation, startSubgraphs, type SubgraphSpec } from './serve.ts';
import type { RunningGraph } from './types.ts';

/**
 * A shop in five subgraphs, built for entity shapes:
 * - users: User (key id), `username` @shareable; mutation renameUser.
 * - products: Product with two keys, `upc` and the composite, nested
 *   `sku variation { id }`; price, weight, dimensions, tags.
 * - pricing: Product.salePrice @requires(price).
 * - inventory: knows Product only by its composite key; @requires of a
 *   nested object (dimensions { size }), of a list (tags) and of salePrice,
 *   which pricing itself computes from products' price (a chain of fetches);
 *   a User reference it cannot resolve (resolvable: false).
 *   Pricing fails for p5, so the chain breaks there.
 * - reviews: Review.author @provides(username); User.reviews, Product.reviews;
 *   mutation addReview.
 */
const USERS = federation('@key', '@shareable') + /* GraphQL */ `
  type User @key(fields: "id") { id: ID! name: String! username: String! @shareable }
  type Query { me: User user(id: ID!): User users: [User!]! }
  type Mutation { renameUser(id: ID!, name: String!): User! }
`;

const PRODUCTS = federation('@key', '@shareable') + /* GraphQL */ `
  type Product @key(fields: "upc") @key(fields: "sku variation { id }") {
    upc: ID!
    sku: String!
    variation: Variation!
    name: String!
    price: Int!
    weight: Int!
    dimensions: Dimensions!
    tags: [String!]!
    related(first: Int = 2): [Product!]!
  }
  type Variation @shareable { id: ID! }
  type Dimensions @shareable { size: String! weightGrams: Int! }
  type Query { topProducts(first: Int = 5): [Product!]! product(upc: ID!): Product }
`;

const PRICING = federation('@key', '@external', '@requires') + /* GraphQL */ `
  type Product @key(fields: "upc") { upc: ID! price: Int! @external salePrice: Int! @requires(fields: "price") }
`;

const INVENTORY = federation('@key', '@external', '@requires', '@shareable') + /* GraphQL */ `
  type Product @key(fields: "sku variation { id }") {
    sku: String!
    variation: Variation!
    weight: Int! @external
    dimensions: Dimensions! @external
    tags: [String!]! @external
    salePrice: Int! @external
    inStock: Boolean!
    shippingEstimate: Int! @requires(fields: "weight dimensions { size }")
    tagCount: Int! @requires(fields: "tags")
    discountedShipping: Int! @requires(fields: "salePrice weight")
    lastCheckedBy: User
  }
  type Variation @shareable { id: ID! }
  type Dimensions @shareable { size: String! weightGrams: Int! }
  type User @key(fields: "id", resolvable: false) { id: ID! }
`;

const REVIEWS = federation('@key', '@external', '@provides') + /* GraphQL */ `
  type Review @key(fields: "id") { id: ID! body: String! stars: Int! author: User! @provides(fields: "username") product: Product! }
  type User @key(fields: "id") { id: ID! username: String! @external reviews: [Review!]! }
  type Product @key(fields: "upc") { upc: ID! reviews: [Review!]! }
  type Query { latestReviews(last: Int = 3): [Review!]! }
  type Mutation { addReview(upc: ID!, body: String!, stars: Int!): Review! }
`;

const PRODUCT_COUNT = 5;
const productIndex = (upc: string) => Number(upc.slice(1));
const product = (i: number) => {
  const n = ((i - 1) % PRODUCT_COUNT) + 1;
  return {
    upc: `p${n}`,
    sku: `SKU-${n}`,
    variation: { id: `v${n}` },
    name: `Product ${n}`,
    price: 100 * n,
    weight: 10 * n,
    dimensions: { size: n % 2 ? 'small' : 'large', weightGrams: 250 * n },
    tags: Array.from({ length: n % 3 }, (_, t) => `tag${t}`),
  };
};
const bySku = (sku: string) => product(Number(sku.slice(4)));

const INITIAL_NAMES: Record<string, string> = { u1: 'Ada Lovelace', u2: 'Brendan Eich', u3: 'Carol Shaw' };
const USERNAMES: Record<string, string> = { u1: 'ada', u2: 'brendan', u3: 'carol' };
interface Review { id: string; body: string; stars: number; authorId: string; upc: string }
const INITIAL_REVIEWS: readonly Review[] = Array.from({ length: 6 }, (_, i) => ({ id: `r${i + 1}`, body: `Review ${i + 1}`, stars: 1 + (i % 5), authorId: `u${(i % 3) + 1}`, upc: `p${(i % PRODUCT_COUNT) + 1}` }));

export async function startShop(): Promise<RunningGraph> {
  // Mutations change these; reset() puts them back before every operation
  // so that the reference and the candidate see the same world.
  let names = { ...INITIAL_NAMES };
  let reviews = [...INITIAL_REVIEWS];
  const user = (id: string) => (id in names ? { id, name: names[id], username: USERNAMES[id] } : null);
  const reviewOut = (r: Review) => ({ ...r, author: { id: r.authorId, username: USERNAMES[r.authorId] }, product: { upc: r.upc } });

  const specs: SubgraphSpec[] = [
    {
      name: 'users', typeDefs: USERS, resolvers: {
        Query: { me: () => user('u1'), user: (_: unknown, { id }: { id: string }) => user(id), users: () => Object.keys(names).map(user) },
        Mutation: {
          renameUser: (_: unknown, { id, name }: { id: string; name: string }) => {
            if (!(id in names)) return null;
            names = { ...names, [id]: name };
            return user(id);
          },
        },
        User: { __resolveReference: ({ id }: { id: string }) => user(id) },
      },
    },
    {
      name: 'products', typeDefs: PRODUCTS, resolvers: {
        Query: {
          topProducts: (_: unknown, { first }: { first: number }) => Array.from({ length: Math.min(first, PRODUCT_COUNT) }, (_, i) => product(i + 1)),
          product: (_: unknown, { upc }: { upc: string }) => (productIndex(upc) >= 1 && productIndex(upc) <= PRODUCT_COUNT ? product(productIndex(upc)) : null),
        },
        Product: {
          __resolveReference: (ref: { upc?: string; sku?: string }) => (ref.upc ? product(productIndex(ref.upc)) : bySku(ref.sku!)),
          related: (p: { upc: string }, { first }: { first: number }) => Array.from({ length: first }, (_, i) => product(productIndex(p.upc) + i + 1)),
        },
      },
    },
    {
      name: 'pricing', typeDefs: PRICING, resolvers: {
        Product: {
          __resolveReference: (ref: { upc: string; price: number }) => ({ ...ref }),
          // p5 has no sale price: the fault in the middle of a @requires chain.
          salePrice: (ref: { upc: string; price: number }) => {
            if (ref.upc === 'p5') throw new Error('no sale price for p5');
            return Math.round(ref.price * 0.9);
          },
        },
      },
    },
    {
      name: 'inventory', typeDefs: INVENTORY, resolvers: {
        Product: {
          __resolveReference: (ref: { sku: string }) => ({ ...ref, inStock: Number(ref.sku.slice(4)) % 2 === 1, lastCheckedBy: { id: 'u2' } }),
          shippingEstimate: (p: { weight: number; dimensions: { size: string } }) => p.weight * (p.dimensions.size === 'large' ? 3 : 1),
          tagCount: (p: { tags: string[] }) => p.tags.length,
          discountedShipping: (p: { salePrice: number; weight: number }) => Math.max(0, p.weight * 2 - Math.floor(p.salePrice / 100)),
        },
      },
    },
    {
      name: 'reviews', typeDefs: REVIEWS, resolvers: {
        Query: { latestReviews: (_: unknown, { last }: { last: number }) => reviews.slice(-last).map(reviewOut) },
        Mutation: {
          addReview: (_: unknown, { upc, body, stars }: { upc: string; body: string; stars: number }) => {
            const added = { id: `r${reviews.length + 1}`, body, stars, authorId: 'u1', upc };
            reviews = [...reviews, added];
            return reviewOut(added);
          },
        },
        Review: { __resolveReference: ({ id }: { id: string }) => { const r = reviews.find((x) => x.id === id); return r ? reviewOut(r) : null; } },
        User: { __resolveReference: ({ id }: { id: string }) => ({ id }), reviews: ({ id }: { id: string }) => reviews.filter((r) => r.authorId === id).map(reviewOut) },
        Product: { __resolveReference: ({ upc }: { upc: string }) => ({ upc }), reviews: ({ upc }: { upc: string }) => reviews.filter((r) => r.upc === upc).map(reviewOut) },
      },
    },
  ];
  return startSubgraphs('shop', specs, () => {
    names = { ...INITIAL_NAMES };
    reviews = [...INITIAL_REVIEWS];
  });
}
