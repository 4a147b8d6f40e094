// OSS trigger: photo created/removed under PHOTO_PREFIX → index/remove it in the album.
import { createImmRuntime } from '../../src/imm/imm-runtime';
import { createIndexerHandler } from '../../src/runtime/fc-handlers';

export const handler = createIndexerHandler(createImmRuntime('indexer'));
