// Timer trigger: run one face-clustering pass when something changed.
import { createImmRuntime } from '../../src/imm/imm-runtime';
import { createClustererHandler } from '../../src/runtime/fc-handlers';

export const handler = createClustererHandler(createImmRuntime('clusterer'));
