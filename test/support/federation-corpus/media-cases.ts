import assert from 'node:assert/strict';
import { all, errorAt, noErrors, status, valueAt } from './expect.ts';
import { startMedia } from './media.ts';
import type { CorpusGraph } from './types.ts';

/** Abstract types across subgraphs, @interfaceObject, @override, @inaccessible, enums, scalars, lists of lists. */
export const mediaGraph: CorpusGraph = {
  title: 'media graph: interfaces, unions, @interfaceObject, @override and scalars',
  start: startMedia,
  cases: [
    {
      name: 'adds @interfaceObject fields to every implementation of an entity interface',
      shapes: ['interface-object', 'interface-across-subgraphs', 'typename'],
      query: '{ media { __typename id title rating reviewCount } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['media', 1], { __typename: 'Movie', id: 'm1', title: 'Alien', rating: 4, reviewCount: 5 })),
    },
    {
      name: 'finds the concrete type of media an @interfaceObject subgraph returned, for fragments on the implementations',
      shapes: ['interface-object', 'fragment-on-interface', 'inline-fragment', 'typename'],
      query: '{ topRated(first: 3) { __typename id rating ... on Book { title format } ... on Movie { runtimeMinutes } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['topRated'], [
        { __typename: 'Movie', id: 'm2', rating: 5, runtimeMinutes: 170 },
        { __typename: 'Book', id: 'b1', rating: 4.5, title: 'Dune', format: 'HARDCOVER' },
        { __typename: 'Movie', id: 'm1', rating: 4, runtimeMinutes: 117 },
      ])),
    },
    {
      name: 'goes back and forth between the interface and the @interfaceObject, through a named fragment on the interface',
      shapes: ['interface-object', 'fragment-on-interface', 'named-fragment'],
      query: `{ media { ...M similar { ...M similar { ...M similar { id ... on Movie { title } } } } } }
        fragment M on Media { id title rating }`,
      plan: { fetches: 5, has: ['Sequence', 'Flatten'] },
      answer: all(noErrors, valueAt(['media', 1, 'similar', 0, 'similar', 0], { id: 'm1', title: 'Alien', rating: 4, similar: [{ id: 'b2' }, { id: 'b1' }] }), valueAt(['media', 0, 'similar', 0, 'similar', 1, 'similar'], [{ id: 'm1', title: 'Alien' }])),
    },
    {
      name: 'resolves a union whose members are owned by different subgraphs, with fragments on each member',
      shapes: ['union-across-subgraphs', 'fragment-on-union', 'typename', 'key-resolvable-false'],
      query: '{ search(term: "a") { __typename ... on Book { title } ... on Podcast { title episodes { number } host { name } } ... on Movie { rating } } }',
      plan: { fetches: 3, has: ['Parallel', 'Flatten'] },
      answer: all(noErrors, valueAt(['search', 1], { __typename: 'Podcast', title: 'Talk', episodes: [{ number: 1 }, { number: 2 }], host: { name: 'Ira' } }), valueAt(['search', 2], { __typename: 'Movie', rating: 4 })),
    },
    {
      name: 'spreads an interface fragment inside a union and a named fragment on the union',
      shapes: ['fragment-on-union', 'fragment-on-interface', 'named-fragment', 'nested-fragments'],
      query: `{ search(term: "b") { ...Result } }
        fragment Result on SearchResult { ... on Media { id kind: __typename ... on Book { pages } } ... on Podcast { id } }`,
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['search', 0], { id: 'b1', kind: 'Book', pages: 412 }), valueAt(['search', 1], { id: 'p1' })),
    },
    {
      name: 'answers a value interface whose implementations live in different subgraphs',
      shapes: ['interface-across-subgraphs', 'fragment-on-interface'],
      query: '{ creators { name ... on Host { show } ... on Author { born } } book(id: "b1") { author { ... on Creator { name } born } } }',
      plan: { fetches: 2, has: ['Parallel'] },
      answer: all(noErrors, valueAt(['creators', 1], { name: 'Sue', show: 'Quiet' }), valueAt(['book', 'author'], { name: 'Frank Herbert', born: '1920-10-08T00:00:00Z' })),
    },
    {
      name: 'takes a field from the subgraph that @override moved it to, never from the old one',
      shapes: ['override'],
      query: '{ book(id: "b1") { pages } media { ... on Book { pages } } }',
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['book', 'pages'], 412)),
    },
    {
      name: 'passes enums and custom scalars through, as arguments and results, JSON objects included',
      shapes: ['enum', 'custom-scalar'],
      query: '{ search(term: "c", formats: [PAPERBACK, EBOOK]) { ... on Book { title format published metadata } } booksPublishedAfter(after: "1900-01-01T00:00:00Z") { id published metadata } }',
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['search', 2], { title: 'Emma', format: 'PAPERBACK', published: '1815-12-23T00:00:00Z', metadata: null }), valueAt(['booksPublishedAfter', 0, 'metadata'], { shelf: 'A', tags: ['sf', 'classic'], nested: { depth: 1 } })),
    },
    {
      name: 'forwards variables holding input objects, enum lists and custom scalars',
      shapes: ['enum', 'custom-scalar', 'union-across-subgraphs'],
      query: 'query ($formats: [Format!], $filter: SearchFilter) { search(term: "d", formats: $formats, filter: $filter) { __typename ... on Book { id } ... on Podcast { title } } }',
      variables: { formats: ['HARDCOVER', 'PAPERBACK'], filter: { kinds: ['Book', 'Podcast'], publishedBefore: '1900-01-01T00:00:00Z' } },
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['search'], [{ __typename: 'Podcast', title: 'Talk' }, { __typename: 'Book', id: 'b2' }, { __typename: 'Podcast', title: 'Quiet' }])),
    },
    {
      name: 'reports an @inaccessible enum value a subgraph returns',
      shapes: ['inaccessible', 'enum'],
      query: '{ book(id: "b9") { title format } }',
      plan: { fetches: 1 },
      // Apollo reports this in extensions.valueCompletion and nulls the nearest nullable parent.
      answer: all(valueAt(['book'], null), (answer) => assert.match(JSON.stringify(answer.body.extensions), /Invalid value found for field Book\.format/)),
    },
    {
      name: 'hides @inaccessible enum values and fields from introspection',
      shapes: ['inaccessible', 'introspection', 'enum'],
      query: '{ __type(name: "Format") { enumValues(includeDeprecated: true) { name } } book: __type(name: "Book") { fields { name } } }',
      plan: { fetches: 0 },
      answer: all(noErrors, valueAt(['__type', 'enumValues'], [{ name: 'HARDCOVER' }, { name: 'PAPERBACK' }, { name: 'EBOOK' }]), (answer) => assert.doesNotMatch(JSON.stringify(answer.body), /internalCode/)),
    },
    {
      name: 'refuses an @inaccessible field with a 400 before any fetch',
      shapes: ['inaccessible'],
      query: '{ book(id: "b1") { internalCode } }',
      plan: { fetches: 0 },
      answer: all(status(400), errorAt({ code: 'GRAPHQL_VALIDATION_FAILED' })),
    },
    {
      name: 'answers lists of lists of scalars',
      shapes: ['list-of-lists'],
      query: '{ book(id: "b9") { grid } media { ... on Book { grid } } }',
      plan: { fetches: 1 },
      answer: all(noErrors, valueAt(['media', 0, 'grid'], [[1, 2], [3]]), valueAt(['media', 2, 'grid'], [])),
    },
    {
      name: 'merges entity fields into lists of lists of entities',
      shapes: ['list-of-lists', 'interface-object'],
      query: '{ shelves { id rating ... on Movie { title } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(noErrors, valueAt(['shelves', 1], []), valueAt(['shelves', 2, 1], { id: 'm2', rating: 5, title: 'Heat' })),
    },

    {
      name: 'puts an error of an @interfaceObject entity fetch under the aliased path through lists of lists',
      shapes: ['list-of-lists', 'interface-object', 'alias', 'fault-entity-fetch-error'],
      query: '{ s: shelves { c: critique ... on Book { t: title } } }',
      plan: { fetches: 2, has: ['Flatten'] },
      answer: all(errorAt({ path: ['s', 2, 0, 'c'], message: 'critique of b2 is lost' }), valueAt(['s', 2, 0], { c: null, t: 'Emma' }), valueAt(['s', 2, 1, 'c'], 'critique of m2')),
    },
  ],
};
