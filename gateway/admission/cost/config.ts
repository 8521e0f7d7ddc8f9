import { z } from 'zod';
import { DEFAULT_LIST_SIZE } from './index.ts';
import { LIMIT_MODES } from '../limits/limits.ts';

const redisUrl = z.string().regex(/^rediss?:\/\/\S+$/, { message: 'expected a redis:// or rediss:// URL' });

/** The `cost` section of the gateway config: per-operation maximum and per-client budget. */
export const costConfigSchema = z
  .object({
    /**
     * Largest estimated cost of one operation; null = no maximum. Default: the
     * profile's (web 20000, mobile 5000), never above the budget's bucket size.
     */
    maxCost: z.number().int().min(1).nullable().optional(),
    /** `measure` logs and counts operations over maxCost; `enforce` refuses them (400 COST_ESTIMATED_TOO_EXPENSIVE). Default enforce. */
    maxCostMode: z.enum(LIMIT_MODES).default('enforce'),
    /**
     * Size assumed for a list field without @listSize and without a `first`/`last`/`limit`
     * argument (docs/cost.md). Default 10: three nested unannotated lists estimate ~1,110.
     */
    defaultListSize: z.number().int().min(1).max(1_000_000).default(DEFAULT_LIST_SIZE),
    budget: z
      .object({
        /** Turn budgets off entirely (responses still report the cost). Default true. */
        enabled: z.boolean().default(true),
        /** Bucket size per client, in cost points. Default 20000. */
        maximumAvailable: z.number().int().min(1).default(20_000),
        /** Points restored per second. Default 1000. */
        restoreRatePerSecond: z.number().min(0).default(1000),
        /** `measure` logs and counts throttling; `enforce` refuses (429 THROTTLED). Default enforce. */
        mode: z.enum(LIMIT_MODES).default('enforce'),
        /** Share budgets between gateway replicas through Redis. Default: none (in memory). */
        redisUrl: redisUrl.optional(),
        /** Prefix of every budget key in Redis. Default "budget:". */
        redisKeyPrefix: z.string().default('budget:'),
        /** A Redis call slower than this falls back to the local bucket. Default 200. */
        redisCommandTimeoutMs: z.number().int().min(1).max(10_000).default(200),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => c.maxCost === null || c.maxCost === undefined || !c.budget.enabled || c.maxCost <= c.budget.maximumAvailable, {
    message: 'maxCost must not exceed budget.maximumAvailable, or an allowed operation could never be paid for',
    path: ['maxCost'],
  });

/** The validated section, with maxCost filled from the profile (see `withProfileMaxCost`). */
export type CostConfig = Omit<z.output<typeof costConfigSchema>, 'maxCost'> & { readonly maxCost: number | null };

/**
 * The profile's maximum where the config sets none, lowered to the budget's
 * bucket size when budgets are on: an operation the budget could never pay
 * for is better refused by its size, with the clearer error.
 */
export function withProfileMaxCost(cost: z.output<typeof costConfigSchema>, profileMaxCost: number): CostConfig {
  if (cost.maxCost !== undefined) return { ...cost, maxCost: cost.maxCost };
  return { ...cost, maxCost: cost.budget.enabled ? Math.min(profileMaxCost, cost.budget.maximumAvailable) : profileMaxCost };
}
