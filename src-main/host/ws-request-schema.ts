import { z } from 'zod';

/** A request frame from the browser: the contract's channel and request, tagged with an id. */
export const wsRequestSchema = z
  .object({
    type: z.literal('request'),
    id: z.number().int().nonnegative(),
    channel: z.string().max(100),
    request: z.unknown(),
  })
  .strict();
