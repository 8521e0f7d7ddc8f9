import { z } from 'zod';

/** Merging of concurrent fetches of one request to the same subgraph (docs/subgraph-fetches.md). */
export const fetchMergingConfigSchema = z
  .object({
    /** Send concurrent fetches of one request to the same subgraph as one HTTP request. Default true. */
    enabled: z.boolean().default(true),
    /**
     * Longest a fetch is held back for a fetch to the same subgraph that the
     * plan is about to issue, in ms (for a fetch others wait for, never more
     * than a third of its own deadline). A held fetch that nothing waits for
     * delays nothing while its partner is coming, so this only bounds the case
     * of a partner whose predecessor hangs. 0 merges only fetches issued in
     * the same tick. Default 1000.
     */
    maxWaitMs: z.number().int().min(0).max(60_000).default(1000),
  })
  .strict();
