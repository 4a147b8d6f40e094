import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { AlbumError } from '../album/errors';
import { formatIssues } from '../schema/zod-issues';

/** zod validation next to the route; failures become one 400 naming each bad field. */
export const validate = <T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) =>
  zValidator(target, schema, (result) => {
    if (!result.success) {
      throw new AlbumError('bad_request', `invalid ${target}: ${formatIssues(result.error, target)}`);
    }
  });
