import { z } from 'zod';

/** The `batching` section: JSON-array requests. */
export const batchingConfigSchema = z
  .object({
    /** Most operations in one batched request; 0 turns batching off (400 BATCH_LIMIT). Default 0. */
    maxBatchSize: z.number().int().min(0).max(100).default(0),
  })
  .strict();

export type BatchingConfig = z.output<typeof batchingConfigSchema>;
