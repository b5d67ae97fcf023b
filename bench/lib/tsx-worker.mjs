// Runs the TypeScript worker entry `workerData.entry`. On Node 20 `--import tsx`
// registers its hooks on the main thread only, so a worker registers them itself.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
