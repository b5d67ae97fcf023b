// Runs the TypeScript worker entry `workerData.entry`. On Node 20 the hooks a
// process registers with `--import` do not reach its workers, so a worker
// registers the bench's type-stripping hooks (strip-types.mjs) itself.
import { workerData } from 'node:worker_threads';
import './strip-types.mjs';

await import(workerData.entry);
