import { z } from 'zod';
import { MalformedEventError } from './oss-event';

/** FC 3.0 timer trigger event (cloud-reference §3.4). Manual invocations may send `{}` or nothing. */
export const TimerEventSchema = z.object({
  triggerTime: z.string().optional(),
  triggerName: z.string().optional(),
  payload: z.string().optional(),
});
export type TimerEvent = z.infer<typeof TimerEventSchema>;

export function parseTimerEvent(payload: Buffer | string | undefined): TimerEvent {
  const text = payload?.toString().trim() ?? '';
  if (!text) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MalformedEventError(`timer event is not JSON: ${(e as Error).message}`);
  }
  const parsed = TimerEventSchema.safeParse(json);
  if (!parsed.success)
    throw new MalformedEventError(`timer event has the wrong shape: ${parsed.error.message}`);
  return parsed.data;
}
