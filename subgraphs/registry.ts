import type { SubgraphName } from './shared/config.ts';
import type { SubgraphDefinition } from './shared/server.ts';
import { cartSubgraph } from './cart/index.ts';
import { catalogSubgraph } from './catalog/index.ts';
import { pricingSubgraph } from './pricing/index.ts';
import { promotionsSubgraph } from './promotions/index.ts';
import { userSubgraph } from './user/index.ts';

/** Every subgraph of the storefront, by name. Loader types differ per subgraph, hence `unknown`. */
export const SUBGRAPHS: Record<SubgraphName, SubgraphDefinition<unknown>> = {
  user: userSubgraph as SubgraphDefinition<unknown>,
  catalog: catalogSubgraph as SubgraphDefinition<unknown>,
  cart: cartSubgraph as SubgraphDefinition<unknown>,
  pricing: pricingSubgraph as SubgraphDefinition<unknown>,
  promotions: promotionsSubgraph as SubgraphDefinition<unknown>,
};
