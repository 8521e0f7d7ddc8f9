import { z } from 'zod';
import { STOREFRONT_OPTIONAL_FIELDS, type OptionalField } from '../../schema/criticality.ts';

const COORDINATE = /^[_A-Za-z][_0-9A-Za-z]*\.[_A-Za-z][_0-9A-Za-z]*$/;
const budgetMs = z.number().int().min(1).max(300_000);

const optionalFieldSchema = z
  .object({
    /** JSON value served in place of the field: [] for lists, null for nullable fields, or a static value. */
    fallback: z.json(),
    /** Field group whose budget `groupTimeoutsMs` sets. */
    group: z.string().min(1).optional(),
  })
  .strict();

/**
 * Per-field degradation (docs/degradation.md). Optional fields are declared
 * by schema coordinate; everything else is critical. Budgets are in ms.
 */
export const degradationConfigSchema = z
  .object({
    /**
     * Optional fields by schema coordinate ("Type.field") and their fallbacks; every one must
     * exist in the supergraph. Default (unset): the storefront's, schema/criticality.ts, for
     * those of its coordinates the supergraph has — the gateway also serves other graphs.
     */
    optionalFields: z
      .record(z.string().regex(COORDINATE, { message: 'expected a schema coordinate such as "Product.promotions"' }), optionalFieldSchema)
      .optional(),
    /** Deadline of a subgraph fetch that only asks for optional fields. Default 300. */
    optionalTimeoutMs: budgetMs.default(300),
    /** Per-subgraph overrides of optionalTimeoutMs, e.g. { "promotions": 150 }. Default {}. */
    optionalTimeoutsMs: z.record(z.string(), budgetMs).default({}),
    /** Per-field-group budgets, overriding both of the above, e.g. { "pricing": 500 }. Default {}. */
    groupTimeoutsMs: z.record(z.string(), budgetMs).default({}),
  })
  .strict();

export type DegradationConfig = z.output<typeof degradationConfigSchema>;

/** The optional fields in force: the configured ones, else the storefront's. */
export function optionalFieldsOf(config: Readonly<DegradationConfig>): Readonly<Record<string, OptionalField>> {
  return config.optionalFields ?? STOREFRONT_OPTIONAL_FIELDS;
}
