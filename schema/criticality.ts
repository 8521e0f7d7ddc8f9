/**
 * What the storefront's pages can live without: every optional field of our
 * supergraph, by schema coordinate, with the value served in its place when
 * the data behind it cannot be had. Anything not listed is critical (the
 * signed-in user, cart lines): it fails as it always did, naming the service.
 *
 * One place, read by both sides: the gateway applies these when a subgraph
 * fetch fails or overruns its budget (gateway/degradation), and the
 * promotions subgraph serves the same values when its REST service fails
 * behind it (subgraphs/<name>/index.ts `fallbacks`). Values are JSON, as in
 * the gateway's config file (`degradation.optionalFields` overrides this).
 *
 * `group` names a field group whose time budget can be set on its own
 * (`degradation.groupTimeoutsMs`).
 */
export interface OptionalField {
  /** Served in place of the field, projected onto the client's selection. */
  readonly fallback: unknown;
  /** Field group for time budgets (docs/degradation.md). */
  readonly group?: string;
}

export const STOREFRONT_OPTIONAL_FIELDS: Readonly<Record<string, OptionalField>> = Object.freeze({
  'Query.featuredProducts': { fallback: [], group: 'merchandising' },
  'Query.featuredPromotions': { fallback: [], group: 'promotions' },
  'Product.promotions': { fallback: [], group: 'promotions' },
  'Product.relatedProducts': { fallback: [], group: 'merchandising' },
  'Product.price': { fallback: null, group: 'pricing' },
  // A cart line keeps its quantity and product id when the catalog is down;
  // the page shows a placeholder name and picture instead of an empty cart.
  'Product.name': { fallback: '', group: 'product-details' },
  'Product.thumbnail': {
    fallback: { __typename: 'Image', size: 'THUMBNAIL', url: '/static/placeholder-thumbnail.svg', width: 96, height: 96 },
    group: 'product-details',
  },
});

/** The fallback functions a subgraph's resolver wrapper expects, for the coordinates it serves. */
export function subgraphFallbacks(coordinates: readonly string[]): Readonly<Record<string, () => unknown>> {
  return Object.fromEntries(
    coordinates.map((coordinate) => {
      const declared = STOREFRONT_OPTIONAL_FIELDS[coordinate];
      if (!declared) throw new Error(`${coordinate} is not declared optional in schema/criticality.ts`);
      // A fresh copy per use: resolvers must not share one mutable value between responses.
      return [coordinate, () => structuredClone(declared.fallback)];
    }),
  );
}
