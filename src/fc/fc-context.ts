import { z } from 'zod';

/** The parts of the FC 3.0 `context` argument we use (cloud-reference §3.2). */
export const FcContextSchema = z.object({
  requestId: z.string().default('local'),
  region: z.string().optional(),
  accountId: z.string().optional(),
  credentials: z
    .object({ accessKeyId: z.string(), accessKeySecret: z.string(), securityToken: z.string().optional() })
    .partial()
    .optional(),
  function: z.object({ name: z.string().optional(), timeout: z.number().optional() }).partial().optional(),
});
export type FcContext = z.infer<typeof FcContextSchema>;

export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export function contextCredentials(ctx: FcContext): StsCredentials | null {
  const c = ctx.credentials;
  if (!c?.accessKeyId || !c.accessKeySecret) return null;
  return {
    accessKeyId: c.accessKeyId,
    accessKeySecret: c.accessKeySecret,
    securityToken: c.securityToken || undefined,
  };
}

/** Epoch ms by which the invocation must return; FC kills it at `timeout` seconds. */
export function invocationDeadline(ctx: FcContext, startedAt: number, fallbackSeconds = 60): number {
  return startedAt + (ctx.function?.timeout ?? fallbackSeconds) * 1000;
}
