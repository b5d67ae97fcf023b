// Schema compatibility checking: re-exports only.
export { compareModels } from './compare-models.ts';
export { compatChangeKinds, type CompatChange, type CompatChangeKind } from './compat-change.ts';
