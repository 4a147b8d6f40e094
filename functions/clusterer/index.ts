// Timer trigger: run one face-clustering pass when something changed.
// The composition root: the one place the root logger and the IMM runtime factory are made.
import { createImmRuntimeFactory } from '../../src/imm/imm-runtime';
import { createLogger, envLogLevel } from '../../src/log/logger';
import { createClustererHandler } from '../../src/runtime/fc-handlers';

const log = createLogger({ level: envLogLevel() });
export const handler = createClustererHandler({
  runtime: createImmRuntimeFactory({ fn: 'clusterer', log }),
  log,
});
