// HTTP trigger: the people API (src/http/api-app.ts) behind the FC 3.0 HTTP event adapter.
import { createImmRuntime } from '../../src/imm/imm-runtime';
import { createHttpHandler } from '../../src/runtime/fc-handlers';

export const handler = createHttpHandler(createImmRuntime('api'));
