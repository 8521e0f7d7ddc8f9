/**
 * Client profiles. Each profile runs as its own gateway process from the same
 * code, so one client's load or failure never takes down another's. A profile
 * is a set of defaults; anything it sets can still be overridden by config.
 */
export const PROFILE_NAMES = ['web', 'mobile'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface ProfileDefaults {
  /** Default port for `npm start` and the gateway CLI. */
  readonly port: number;
  /** Schema introspection: on for the web team's tooling, off for shipped mobile apps. */
  readonly introspection: boolean;
  /** GraphiQL on GET /graphql for browsers (development only; never in production). */
  readonly ide: boolean;
  /**
   * Default `cost.maxCost` (docs/cost.md). Web sends free-form pages: the
   * heaviest the storefront builds (bench/heavy.graphql, a full 100-line cart
   * with related products and chains five hops deep) estimates 16,493, so web
   * admits up to the default bucket size. Mobile sends only its persisted
   * operations (CartSummary, the largest, estimates under 5,000).
   */
  readonly maxCost: number;
}

export const PROFILES: Record<ProfileName, ProfileDefaults> = {
  web: { port: 4000, introspection: true, ide: true, maxCost: 20_000 },
  mobile: { port: 4010, introspection: false, ide: false, maxCost: 5000 },
};
