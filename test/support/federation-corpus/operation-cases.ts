import { all, dataIsNull, errorAt, noErrors, status, valueAt } from './expect.ts';
import { startShop } from './shop.ts';
import type { CorpusGraph } from './types.ts';

/** Shapes of the client's operation, over the shop graph: aliases, fragments, directives, variables, introspection, mutations. */
export const operationsGraph: CorpusGraph = {
  title: 'operation shapes over the shop graph',
  start: startShop,
  cases: [
    {
      name: 'answers the same root field aliased twice with different arguments',
      shapes: ['alias', 'alias-same-field-different-arguments'],
      query: '{ a: product(upc: "p1") { title: name } b: product(upc: "p2") { name title: upc } }',
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt([], { a: { title: 'Product 1' }, b: { name: 'Product 2', title: 'p2' } })),
    },
    {
      name: 'aliases fields that come from entity fetches, the same field twice under two names',
      shapes: ['alias', 'alias-entity-field', 'requires'],
      query: '{ topProducts(first: 2) { ship: shippingEstimate stock: inStock again: shippingEstimate first: related(first: 1) { upc } two: related { upc } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['topProducts', 1], { ship: 60, stock: false, again: 60, first: [{ upc: 'p3' }], two: [{ upc: 'p3' }, { upc: 'p4' }] })),
    },
    {
      name: 'answers __typename at the root, aliased, and on entities from other subgraphs',
      shapes: ['typename', 'typename-at-root', 'alias-typename'],
      query: '{ __typename root: __typename me { __typename kind: __typename reviews { t: __typename product { __typename inStock } } } }',
      plan: { fetches: 4 },
      answer: all(noErrors, valueAt(['root'], 'Query'), valueAt(['me', 'kind'], 'User'), valueAt(['me', 'reviews', 0, 'product'], { __typename: 'Product', inStock: true })),
    },
    {
      name: 'spreads named fragments nested in named fragments, across subgraphs',
      shapes: ['named-fragment', 'nested-fragments', 'inline-fragment'],
      operationName: 'Mine',
      query: `
        query Mine { me { ...UserCard } }
        fragment UserCard on User { name ...UserReviews }
        fragment UserReviews on User { reviews { ... on Review { stars product { ...ProductCard } } } }
        fragment ProductCard on Product { name ... on Product { shippingEstimate } }
        query Other { __typename }`,
      plan: { fetches: 4 },
      answer: all(noErrors, valueAt(['me', 'reviews', 0, 'product'], { name: 'Product 1', shippingEstimate: 10 })),
    },
    {
      name: 'merges inline fragments without a type condition, nested, with repeated fields',
      shapes: ['inline-fragment', 'inline-fragment-without-type-condition', 'nested-fragments'],
      query: '{ me { ... { name ... { username reviews { stars } } } reviews { ... { body stars } } } }',
      plan: { fetches: 2 },
      answer: all(noErrors, valueAt(['me', 'reviews', 0], { stars: 1, body: 'Review 1' })),
    },
    {
      name: 'includes an entity field when the variable of @include is true (a Condition in the plan)',
      shapes: ['skip-include-variable', 'condition-node'],
      query: 'query ($withStock: Boolean!) { topProducts(first: 2) { name inStock @include(if: $withStock) } }',
      variables: { withStock: true },
      plan: { fetches: 2, has: ['Condition'] },
      answer: all(noErrors, valueAt(['topProducts', 0], { name: 'Product 1', inStock: true })),
    },
    {
      name: 'leaves an entity field out when the variable of @include is false',
      shapes: ['skip-include-variable', 'condition-node'],
      query: 'query ($withStock: Boolean!) { topProducts(first: 2) { name inStock @include(if: $withStock) } }',
      variables: { withStock: false },
      plan: { fetches: 2, has: ['Condition'] },
      answer: all(noErrors, valueAt(['topProducts', 0], { name: 'Product 1' })),
    },
    {
      name: 'skips a fragment spread and an inline fragment by variable, keeping the rest',
      shapes: ['skip-include-fragment', 'skip-include-variable', 'condition-node', 'named-fragment'],
      query: `query ($brief: Boolean!) { me { name ...R @skip(if: $brief) ... on User @include(if: $brief) { username } } }
        fragment R on User { reviews { body } }`,
      variables: { brief: true },
      plan: { fetches: 2, has: ['Condition'] },
      answer: all(noErrors, valueAt(['me'], { name: 'Ada Lovelace', username: 'ada' })),
    },
    {
      name: 'forwards @skip and @include into the fetches when both sit on one field, __typename included',
      shapes: ['skip-include-variable', 'typename'],
      query: 'query ($skip: Boolean!, $include: Boolean!) { topProducts(first: 2) { upc __typename @skip(if: $skip) inStock @skip(if: $skip) @include(if: $include) shippingEstimate @include(if: $include) } }',
      variables: { skip: true, include: true },
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['topProducts', 1], { upc: 'p2', shippingEstimate: 60 })),
    },
    {
      name: 'keeps the entity fetch in the plan when @include drops the fields a @requires needs, and answers without them',
      shapes: ['skip-include-variable', 'requires'],
      query: 'query ($skip: Boolean!, $include: Boolean!) { topProducts(first: 2) { upc __typename @skip(if: $skip) inStock @skip(if: $skip) @include(if: $include) shippingEstimate @include(if: $include) } }',
      variables: { skip: false, include: false },
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['topProducts', 1], { upc: 'p2', __typename: 'Product' })),
    },
    {
      name: 'applies @skip and @include literals at planning time, on fields and fragments',
      shapes: ['skip-include-literal', 'skip-include-fragment'],
      query: '{ topProducts(first: 2) { name inStock @skip(if: true) price @include(if: true) ... on Product @include(if: false) { shippingEstimate } } }',
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['topProducts', 1], { name: 'Product 2', price: 200 })),
    },
    {
      name: 'uses a variable\'s default when the client sends none',
      shapes: ['variable-default'],
      query: 'query ($first: Int = 2, $upc: ID! = "p3") { topProducts(first: $first) { upc related(first: $first) { upc } } product(upc: $upc) { name } }',
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['topProducts', 1, 'related', 1, 'upc'], 'p4'), valueAt(['product', 'name'], 'Product 3')),
    },
    {
      name: 'lets a missing optional variable fall back to the argument\'s default in the subgraph',
      shapes: ['variable-missing-optional'],
      query: 'query ($first: Int) { topProducts(first: $first) { upc } }',
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['topProducts', 4, 'upc'], 'p5')),
    },
    {
      name: 'passes an explicit null variable through as null, not as the default',
      shapes: ['variable-missing-optional'],
      query: 'query ($first: Int) { topProducts(first: $first) { upc } }',
      variables: { first: null },
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['topProducts'], [])),
    },
    {
      name: 'refuses a missing required variable with a 400 before any fetch',
      shapes: ['variable-missing-optional'],
      query: 'query ($upc: ID!) { product(upc: $upc) { name } }',
      plan: { fetches: 0 },
      answer: all(status(400), errorAt({ code: 'BAD_USER_INPUT' })),
    },
    {
      name: 'answers __schema and __type next to data from two subgraphs',
      shapes: ['introspection', 'typename-at-root'],
      query: '{ __typename __schema { queryType { name } mutationType { name } } __type(name: "Product") { name kind fields { name } } me { name reviews { stars } } }',
      plan: { fetches: 2 },
      answer: all(noErrors, valueAt(['__schema'], { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } }), valueAt(['__type', 'fields', 0, 'name'], 'sku')),
    },
    {
      name: 'answers pure introspection without fetching',
      shapes: ['introspection'],
      query: '{ __type(name: "Dimensions") { fields { name type { kind ofType { name } } } } }',
      plan: { fetches: 0 },
      answer: all(noErrors, valueAt(['__type', 'fields', 0], { name: 'size', type: { kind: 'NON_NULL', ofType: { name: 'String' } } })),
    },
    {
      name: 'runs root mutation fields of two subgraphs in order, then the entity fetches, seeing the earlier mutations',
      shapes: ['mutation-sequence', 'mutation-then-entity-fetch', 'alias'],
      query: `mutation {
        first: renameUser(id: "u1", name: "Ada King") { name }
        addReview(upc: "p2", body: "Sturdy", stars: 4) { id body author { name username } product { name inStock } }
        second: renameUser(id: "u1", name: "Ada Byron") { id name }
      }`,
      plan: { fetches: 6, has: ['Sequence', 'Flatten'] },
      answer: all(noErrors, valueAt(['addReview', 'author'], { name: 'Ada King', username: 'ada' }), valueAt(['second'], { id: 'u1', name: 'Ada Byron' }), valueAt(['addReview', 'product'], { name: 'Product 2', inStock: false })),
    },

    {
      name: 'forwards the client\'s variables into entity fetches, aliasing a field with different arguments there',
      shapes: ['alias-same-field-different-arguments', 'alias-entity-field', 'variable-default'],
      query: 'query ($one: Int = 1, $two: Int!) { latestReviews(last: 2) { product { one: related(first: $one) { name } two: related(first: $two) { upc inStock } } } }',
      variables: { two: 2 },
      plan: { fetches: 3, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['latestReviews', 1, 'product'], { one: [{ name: 'Product 2' }], two: [{ upc: 'p2', inStock: false }, { upc: 'p3', inStock: true }] })),
    },
    {
      name: 'decides root fields of two subgraphs by @include and @skip on the same variable',
      shapes: ['skip-include-variable', 'condition-node', 'typename-at-root'],
      query: 'query ($signedIn: Boolean!) { __typename me @include(if: $signedIn) { name } topProducts(first: 1) @skip(if: $signedIn) { name } }',
      variables: { signedIn: false },
      plan: { fetches: 2, has: ['Condition'] },
      answer: all(noErrors, valueAt([], { __typename: 'Query', topProducts: [{ name: 'Product 1' }] })),
    },
    {
      name: 'reports a failing mutation in the middle of a sequence of root mutation fields',
      shapes: ['mutation-sequence', 'fault-non-null-propagation', 'fault-root-fetch-error'],
      query: `mutation {
        first: renameUser(id: "u2", name: "B. Eich") { name }
        missing: renameUser(id: "nobody", name: "x") { name }
        addReview(upc: "p1", body: "Late", stars: 2) { id author { name } }
      }`,
      plan: { fetches: 3, has: ['Sequence'] },
      answer: all(errorAt({ path: ['missing'], message: 'Cannot return null for non-nullable field Mutation.renameUser.' }), dataIsNull),
    },
  ],
};
