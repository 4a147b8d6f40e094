// OSS trigger: photo created/removed under PHOTO_PREFIX → index/remove it in the album.
// The composition root: the one place the root logger and the IMM runtime factory are made.
import { createImmRuntimeFactory } from '../../src/imm/imm-runtime';
import { createLogger, envLogLevel } from '../../src/log/logger';
import { createIndexerHandler } from '../../src/runtime/fc-handlers';

const log = createLogger({ level: envLogLevel() });
export const handler = createIndexerHandler({
  runtime: createImmRuntimeFactory({ fn: 'indexer', log }),
  log,
});
