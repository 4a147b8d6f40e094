import { z } from 'zod';

/**
 * The backfill CLI's own settings (flags override them). IMM allows 100 calls/s per project for
 * all callers together (imm-facts §9); the default leaves most of it to the live indexer and API.
 */
export const BackfillEnvSchema = z.object({
  BACKFILL_CALLS_PER_SECOND: z.coerce.number().positive().max(100).default(10),
  BACKFILL_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(100),
});
export type BackfillEnv = z.infer<typeof BackfillEnvSchema>;
