// HTTP trigger: the people API (src/http/api-app.ts) behind the FC 3.0 HTTP event adapter.
// The composition root: the one place the root logger and the IMM runtime factory are made.
import { createImmRuntimeFactory } from '../../src/imm/imm-runtime';
import { createLogger, envLogLevel } from '../../src/log/logger';
import { createHttpHandler } from '../../src/runtime/fc-handlers';

const log = createLogger({ level: envLogLevel() });
export const handler = createHttpHandler({ runtime: createImmRuntimeFactory({ fn: 'api', log }), log });
