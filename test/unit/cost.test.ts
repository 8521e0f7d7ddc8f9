import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { composeServices } from '@apollo/composition';
// The gateway derives its API schema this way (it is @apollo/gateway's own dependency).
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, parse } from 'graphql';
import { actualCost } from '../../gateway/admission/cost/actual.ts';
import { readCostDirectives } from '../../gateway/admission/cost/directives.ts';
import { estimateCost } from '../../gateway/admission/cost/estimate.ts';
import { unsizedListFields } from '../../gateway/admission/cost/unsized.ts';

/**
 * Apollo Router's demand-control documentation example (books, an expensive
 * Address, bestsellers, paged newest additions), plus what the documentation
 * does not show: a connection, argument weights, abstract types, a mutation.
 */
const BOOKS_SDL = `
schema @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"]) @link(url: "https://specs.apollo.dev/join/v0.5") { query: Query mutation: Mutation }
directive @join__field(graph: String, requires: String) repeatable on FIELD_DEFINITION
directive @link(url: String, as: String, import: [link__Import]) repeatable on SCHEMA
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
scalar link__Import

type Query {
  book(id: ID): Book
  bestsellers: [Book] @listSize(assumedSize: 5)
  newestAdditions(after: ID, limit: Int!): [Book] @listSize(slicingArguments: ["limit"])
  search(term: String @cost(weight: 2), filter: Filter, first: Int = 10, after: ID): BookConnection!
    @cost(weight: 20) @listSize(slicingArguments: ["first"], sizedFields: ["nodes"])
  page(page: Page): [Book] @listSize(slicingArguments: ["page.size"])
  allBooks: [Book]
  recent(first: Int, last: Int, limit: Int): [Book]
  labelled(first: String): [Book]
  tags: [String]
  node(id: ID!): Node
  item(id: ID!): Item
}
type Mutation {
  addBook(title: String!): Book @cost(weight: 3)
}
input Filter { genre: Genre @cost(weight: 4) year: Int }
input Page { size: Int = 3 }
enum Genre { FICTION SCIENCE }
interface Node { id: ID! }
type Book implements Node {
  id: ID! title: String author: Author publisher: Publisher editions: [Edition]
  shipping: Int @join__field(requires: "publisher { address { zipCode } } editions { id }")
}
type Edition { id: ID! }
type Author implements Node { id: ID! name: String books(first: Int = 5): [Book] @listSize(slicingArguments: ["first"]) }
type Publisher { name: String address: Address }
type Address @cost(weight: 5) { zipCode: Int! }
type Magazine implements Node @cost(weight: 3) { id: ID! title: String publisher: Publisher }
union Item = Book | Magazine
type BookConnection { nodes: [Book] @listSize(assumedSize: 100) totalCount: Int! }
`;
const books = { schema: buildSchema(BOOKS_SDL), directives: readCostDirectives(BOOKS_SDL) };
const estimate = (query: string, variables?: Record<string, unknown>, defaultListSize?: number) =>
  estimateCost(books.schema, books.directives, parse(query), { variables, defaultListSize });
const actual = (query: string, data: unknown, variables?: Record<string, unknown>) => actualCost(books.schema, books.directives, parse(query), { variables }, data);

const BOOK_FIELDS = 'title author { name } publisher { name address { zipCode } }';

describe('reading @cost and @listSize from a supergraph', () => {
  it('finds them under the names our composed supergraph uses (@cost bare, @listSize imported)', () => {
    const sdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
    const directives = readCostDirectives(sdl);
    assert.deepEqual(directives.names, { cost: 'cost', listSize: 'listSize' });
    assert.equal(directives.fieldWeights.get('Product.price'), 5);
    assert.deepEqual(directives.listSizes.get('Query.searchProducts'), { assumedSize: null, slicingArguments: ['first'], sizedFields: ['nodes'], requireOneSlicingArgument: true });
    assert.equal(directives.listSizes.get('Cart.items')?.assumedSize, 100);
    assert.ok(directives.requires.has('Cart.totals'));
  });

  it('follows what composition emits for @federation__cost written without an import', () => {
    const subgraph = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
      type Query { a: [A] @federation__listSize(assumedSize: 3) @federation__cost(weight: 2) }
      type A @key(fields: "id") @federation__cost(weight: 7) { id: ID! }`;
    const composed = composeServices([{ name: 'a', url: 'http://a', typeDefs: parse(subgraph) }]);
    assert.ok(composed.supergraphSdl, JSON.stringify(composed.errors));
    assert.match(composed.supergraphSdl, /import: \[\{name: "@cost", as: "@federation__cost"\}/);
    const directives = readCostDirectives(composed.supergraphSdl);
    assert.deepEqual(directives.names, { cost: 'federation__cost', listSize: 'federation__listSize' });
    assert.equal(directives.fieldWeights.get('Query.a'), 2);
    assert.equal(directives.typeWeights.get('A'), 7);
    assert.equal(directives.listSizes.get('Query.a')?.assumedSize, 3);
  });

  it('honours import aliases, an `as:` namespace, and weights on types, arguments and input fields', () => {
    const renamed = readCostDirectives(`schema @link(url: "https://specs.apollo.dev/cost/v0.1", import: [{name: "@cost", as: "@weight"}, {name: "@listSize", as: "@size"}]) { query: Query }
      type Query { b(first: Int = 5, i: I @weight(weight: 1)): [A] @size(slicingArguments: ["first"], requireOneSlicingArgument: false) @weight(weight: 3) }
      type A { x: Int @cost(weight: 99) }
      enum E @weight(weight: 2) { X }
      scalar S @weight(weight: 9)
      input I { f: Int @weight(weight: 6) }`);
    assert.deepEqual(renamed.names, { cost: 'weight', listSize: 'size' });
    assert.equal(renamed.fieldWeights.get('Query.b'), 3);
    assert.equal(renamed.fieldWeights.has('A.x'), false, '@cost is not the cost directive in this schema');
    assert.equal(renamed.argumentWeights.get('Query.b(i:)'), 1);
    assert.equal(renamed.inputFieldWeights.get('I.f'), 6);
    assert.deepEqual([...renamed.typeWeights], [['E', 2], ['S', 9]]);
    assert.equal(renamed.listSizes.get('Query.b')?.requireOneSlicingArgument, false);

    const namespaced = readCostDirectives(`schema @link(url: "https://specs.apollo.dev/cost/v0.1", as: "demand") { query: Query }
      type Query { a: [Int] @demand(weight: 4) @demand__listSize(assumedSize: 2) b: Int @cost(weight: 1) }`);
    assert.deepEqual(namespaced.names, { cost: 'demand', listSize: 'demand__listSize' });
    assert.deepEqual([...namespaced.fieldWeights], [['Query.a', 4]]);
    assert.equal(namespaced.listSizes.get('Query.a')?.assumedSize, 2);
  });

  it('reads nothing from a schema that links no cost spec', () => {
    const directives = readCostDirectives('type Query { a: [Int] @cost(weight: 4) }');
    assert.equal(directives.names, null);
    assert.equal(directives.fieldWeights.size, 0);
  });
});

describe('estimated cost', () => {
  it('matches Router documentation: objects 1, scalars 0, @cost on a type per instance', () => {
    // book 1 + author 1 + publisher 1 + address 5 (Address @cost(weight: 5))
    assert.equal(estimate(`{ book(id: 1) { ${BOOK_FIELDS} } }`), 8);
    assert.equal(estimate('{ book(id: 1) { title } }'), 1);
    assert.equal(estimate('{ tags }'), 0, 'a list of scalars is free');
  });

  it('multiplies a list by its assumedSize or its slicing argument', () => {
    assert.equal(estimate(`{ bestsellers { ${BOOK_FIELDS} } }`), 40); // 5 × 8
    assert.equal(estimate(`{ newestAdditions(limit: 3) { ${BOOK_FIELDS} } }`), 24); // 3 × 8
    assert.equal(estimate(`{ newestAdditions(limit: 7) { ${BOOK_FIELDS} } }`), 56); // 7 × 8
  });

  it('sizes a list without @listSize with defaultListSize (10 unless set)', () => {
    assert.equal(estimate('{ allBooks { title } }'), 10);
    assert.equal(estimate('{ allBooks { title } }', {}, 100), 100);
  });

  describe('a list without @listSize', () => {
    it('is sized by a first, last or limit argument it has, as if declared a slicing argument', () => {
      assert.equal(estimate('{ recent(first: 3) { title } }'), 3);
      assert.equal(estimate('{ recent(last: 40) { title } }'), 40);
      assert.equal(estimate('{ recent(limit: 7, first: 2) { title } }'), 7, 'the largest one given');
      assert.equal(estimate('query($n: Int) { recent(limit: $n) { title } }', { n: 250 }), 250);
      assert.equal(estimate('{ recent(first: 100000000) { title } }'), 100_000_000, 'a client asking for a lot pays for a lot');
    });

    it('falls back to defaultListSize when none is given, or the argument is not an Int', () => {
      assert.equal(estimate('{ recent { title } }'), 10);
      assert.equal(estimate('{ recent(first: null) { title } }'), 10);
      assert.equal(estimate('{ labelled(first: "99") { title } }'), 10, 'first: String is not a size');
    });

    it('is sized only as declared when it has @listSize: no inference over assumedSize', () => {
      assert.equal(estimate(`{ bestsellers { ${BOOK_FIELDS} } }`), 40);
    });
  });

  it('charges a @requires field set once per entity: its lists count 1, not the list size', () => {
    // Book.shipping requires "publisher { address { zipCode } } editions { id }": Publisher 1 + Address 5 + editions 1 × Edition 1
    assert.equal(estimate('{ book(id: 1) { shipping } }'), 1 + 7);
    // Per book, under a list of 5: 5 × (Book 1 + 7)
    assert.equal(estimate('{ bestsellers { shipping } }'), 5 * 8);
  });

  describe('slicing argument: literal, variable, operation default, schema default', () => {
    // search: call 20 + one BookConnection 1 + nodes: first × Book 1
    it('takes a literal', () => assert.equal(estimate('{ search(first: 3) { nodes { title } } }'), 24));
    it('takes a variable', () => assert.equal(estimate('query($n: Int) { search(first: $n) { nodes { title } } }', { n: 50 }), 71));
    it('takes the variable default when the variable is not sent', () => assert.equal(estimate('query($n: Int = 7) { search(first: $n) { nodes { title } } }'), 28));
    it('prefers the variable sent over its default', () => assert.equal(estimate('query($n: Int = 7) { search(first: $n) { nodes { title } } }', { n: 2 }), 23));
    it('takes the schema default when no argument is written', () => assert.equal(estimate('{ search { nodes { title } } }'), 31));
    it('takes the schema default when the variable is neither sent nor defaulted', () => assert.equal(estimate('query($n: Int) { search(first: $n) { nodes { title } } }'), 31));
    it('takes the schema default for an explicit null', () => assert.equal(estimate('{ search(first: null) { nodes { title } } }'), 31));
    it('follows a path into an input object, with its default', () => {
      // page(page: Page) @listSize(slicingArguments: ["page.size"]); the Page object itself costs 1
      assert.equal(estimate('{ page(page: { size: 4 }) { title } }'), 5);
      assert.equal(estimate('query($p: Page) { page(page: $p) { title } }', { p: { size: 6 } }), 7);
      assert.equal(estimate('{ page(page: {}) { title } }'), 4, 'Page.size defaults to 3');
      assert.equal(estimate('{ page { title } }'), 10, 'no page at all: defaultListSize');
    });
  });

  it('applies sizedFields to the named child, also through fragments, not to the connection itself', () => {
    // nodes has its own @listSize(assumedSize: 100); the parent's slicing argument wins
    assert.equal(estimate('{ search(first: 2) { totalCount nodes { title } } }'), 23);
    assert.equal(estimate('{ search(first: 2) { ...Page } } fragment Page on BookConnection { nodes { author { name } } }'), 25); // 20 + 1 + 2 × 2
    assert.equal(estimate('{ search(first: 2) { ... on BookConnection { nodes { title } } } }'), 23);
  });

  it('charges a field @cost once per call, not per element, and adds argument weights', () => {
    assert.equal(estimate('{ search(first: 100) { totalCount } }'), 21); // 20 + 1: no nodes selected
    assert.equal(estimate('{ search(term: "dune", first: 1) { totalCount } }'), 23); // + term @cost(weight: 2)
    // an input object costs 1 plus its fields: Filter 1 + genre 4
    assert.equal(estimate('{ search(filter: { genre: FICTION, year: 1965 }, first: 1) { totalCount } }'), 26);
    assert.equal(estimate('query($f: Filter) { search(filter: $f, first: 1) { totalCount } }', { f: { genre: 'FICTION' } }), 26);
  });

  describe('@skip and @include', () => {
    const query = `query($hide: Boolean!, $show: Boolean = false) {
      book(id: 1) {
        title
        author @skip(if: $hide) { name }
        publisher @include(if: $show) { name }
        ... @include(if: true) { a: author { name } }
        ... @skip(if: true) { b: author { name } }
        ...Pub @skip(if: $hide)
      }
    }
    fragment Pub on Book { p: publisher { name } }`;
    it('honours literals and variables on fields, inline fragments and spreads', () => {
      assert.equal(estimate(query, { hide: true }), 2); // book + a
      assert.equal(estimate(query, { hide: false }), 4); // book + author + a + p
      assert.equal(estimate(query, { hide: false, show: true }), 5); // + publisher
    });
    it('keeps a selection whose condition it cannot read (the estimate errs high)', () => {
      assert.equal(estimate(query, {}), 4);
    });
  });

  describe('fragments', () => {
    it('counts a spread each time it is spread, as Router does', () => {
      assert.equal(estimate('{ book(id: 1) { ...A ...A } } fragment A on Book { author { name } }'), 3);
    });
    it('sums type conditions on an interface or union (no max), weighing the abstract type as its heaviest member', () => {
      // Node / Item weigh 3 (Magazine @cost(weight: 3) beats Book's default 1); then both fragments count
      assert.equal(estimate('{ node(id: 1) { id ... on Book { author { name } } ... on Magazine { publisher { name } } } }'), 5);
      assert.equal(estimate('{ item(id: 1) { ... on Book { title } ...M } } fragment M on Magazine { publisher { address { zipCode } } }'), 9); // 3 + 1 + 5
    });
    it('costs __typename and introspection nothing', () => {
      assert.equal(estimate('{ __typename book(id: 1) { __typename } }'), 1);
      assert.equal(estimate('{ __schema { types { name fields { name type { name } } } } __type(name: "Book") { name } }'), 0);
    });
  });

  describe('mutations', () => {
    it('add Router\'s base cost of 10 per mutation operation, then their fields', () => {
      assert.equal(estimate('mutation { addBook(title: "Dune") { title } }'), 14); // 10 + call 3 + Book 1
      assert.equal(estimate('mutation { a: addBook(title: "A") { title } b: addBook(title: "B") { author { name } } }'), 19); // 10 + 4 + 5
    });
  });

  describe('operations', () => {
    const document = 'query A { book(id: 1) { title } } query B { bestsellers { title } }';
    it('costs the operation named', () => {
      assert.equal(estimate(document), 6); // no name: both summed, as Router does
      assert.equal(estimateCost(books.schema, books.directives, parse(document), { operationName: 'B' }), 5);
      assert.equal(estimateCost(books.schema, books.directives, parse(document), { operationName: 'C' }), 0);
    });
  });
});

describe('actual cost', () => {
  it('counts lists as long as they came back', () => {
    const query = `{ bestsellers { ${BOOK_FIELDS} } }`;
    const book = { title: 'Dune', author: { name: 'Herbert' }, publisher: { name: 'Chilton', address: { zipCode: 19101 } } };
    assert.equal(estimate(query), 40); // 5 assumed
    assert.equal(actual(query, { bestsellers: [book, book] }), 16); // 2 returned × 8
    assert.equal(actual(query, { bestsellers: [book, { ...book, publisher: null }, null] }), 10); // 8 + 2: nulls are not instances
    assert.equal(actual(query, { bestsellers: [] }), 0);
  });

  it('reports each list returned, by field coordinate and length, to onListSize', () => {
    const seen: [string, number][] = [];
    const query = '{ bestsellers { editions { id } } first: recent(first: 2) { title } tags }';
    const data = { bestsellers: [{ editions: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }, { editions: [] }, { editions: null }], first: [{ title: 't' }], tags: ['x', 'y'] };
    actualCost(books.schema, books.directives, parse(query), { onListSize: (field, size) => seen.push([field, size]) }, data);
    assert.deepEqual(seen.sort(), [['Book.editions', 0], ['Book.editions', 3], ['Query.bestsellers', 3], ['Query.recent', 1], ['Query.tags', 2]]);
  });

  it('counts a connection by the nodes returned, with the field @cost once', () => {
    const query = '{ search(first: 10) { nodes { title } } }';
    assert.equal(estimate(query), 31);
    assert.equal(actual(query, { search: { nodes: [{ title: 'a' }, { title: 'b' }, { title: 'c' }] } }), 24); // 20 + 1 + 3
  });

  it('follows aliases, counts a key selected twice once, and charges a mutation its base cost', () => {
    const query = '{ a: book(id: 1) { author { name } } b: book(id: 2) { title } a: book(id: 1) { author { name } } }';
    assert.equal(actual(query, { a: { author: { name: 'x' } }, b: { title: 'y' } }), 3);
    assert.equal(actual('mutation { addBook(title: "x") { title } }', { addBook: { title: 'x' } }), 14);
  });

  it('applies the fragments that match __typename, and weighs the object by its own type', () => {
    const query = '{ item(id: 1) { __typename ... on Book { author { name } } ... on Magazine { publisher { name } } } }';
    assert.equal(actual(query, { item: { __typename: 'Book', author: { name: 'x' } } }), 2); // Book 1 + author 1
    assert.equal(actual(query, { item: { __typename: 'Magazine', publisher: { name: 'y' } } }), 4); // Magazine 3 + publisher 1
  });
});

describe('our supergraph', () => {
  const sdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
  const schema = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
  const directives = readCostDirectives(sdl);
  const frontPage = parse(readFileSync(new URL('../../persisted-queries/web/FrontPage.graphql', import.meta.url), 'utf8'));

  it('sizes every list field with @listSize: the gateway warns about none at start-up', () => {
    assert.deepEqual(unsizedListFields(schema, directives), []);
  });

  it('estimates the FrontPage operation at 1410', () => {
    // me: User 1 + cart: Cart 1 + items: 100 (Cart.items assumedSize) × item
    //   item = CartItem 1 + product: Product 1 + thumbnail: Image 1
    //        + price: call 5 (Product.price @cost) + Price 1 + effectivePrice: Money 1
    //        + promotions: 3 (assumedSize) × Promotion 1
    //        = 1 + 1 + 1 + 7 + 3 = 13                       → items 1300, me 1302
    // featuredProducts: 12 (assumedSize) × (Product 1 + thumbnail 1 + price 7) = 108
    // scalars (id, name, quantity, url, formatted, ...) are free: 1302 + 108 = 1410
    assert.equal(estimateCost(schema, directives, frontPage, { operationName: 'FrontPage' }), 1410);
  });

  it('adds the @requires fetch of Cart.totals once per cart (the cart lines the gateway fetches first)', () => {
    // me 1 + cart 1 + totals: call 10 + CartTotals 1 + total: Money 1
    //   + requires "user { loyaltyTier } items { quantity product { id } }": User 1 + items counted once × (CartItem 1 + Product 1)
    assert.equal(estimateCost(schema, directives, parse('{ me { cart { totals { total { formatted } } } } }'), {}), 17);
  });

  it('costs the FrontPage response by what came back (two cart lines, one featured product)', () => {
    const money = { formatted: '$1.00', amountCents: 100, currency: 'USD' };
    const product = (price: unknown, promotions: unknown[]) => ({ id: 'p', name: 'n', thumbnail: { url: 'u', width: 1, height: 1 }, price, promotions });
    const data = {
      me: {
        id: 'user-0001',
        name: 'Ada',
        cart: {
          id: 'c',
          itemCount: 3,
          items: [
            { quantity: 1, product: product({ effectivePrice: money, onSale: false }, [{ id: 'x', label: 'l', discountPercent: 5 }]) },
            { quantity: 2, product: product(null, []) },
          ],
        },
      },
      featuredProducts: [{ id: 'p', name: 'n', thumbnail: { url: 'u' }, price: { effectivePrice: money } }],
    };
    // line 1: CartItem 1 + Product 1 + thumbnail 1 + price (5 + 1 + 1) + 1 promotion = 11
    // line 2: CartItem 1 + Product 1 + thumbnail 1 + price: null, still called: 5 = 8
    // me 1 + cart 1 + 19 = 21; featured: Product 1 + thumbnail 1 + price 7 = 9; total 30
    assert.equal(actualCost(schema, directives, frontPage, {}, data), 30);
  });
});
