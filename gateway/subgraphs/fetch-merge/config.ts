import { z } from 'zod';

/** Merging of concurrent fetches of one request to the same subgraph (docs/subgraph-fetches.md). */
export const fetchMergingConfigSchema = z
  .object({
    /** Send concurrent fetches of one request to the same subgraph as one HTTP request. Default true. */
    enabled: z.boolean().default(true),
    /**
     * Longest a fetch that nothing in the plan waits for is held back for a
     * fetch to the same subgraph the plan is about to issue, in ms (never more
     * than a third of the fetch's own deadline). 0 merges only fetches issued
     * in the same tick. Default 100.
     */
    maxWaitMs: z.number().int().min(0).max(10_000).default(100),
  })
  .strict();
