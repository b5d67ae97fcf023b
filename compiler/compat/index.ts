// Schema compatibility checking: re-exports only.
export { compareModels, formatType } from './compare-models.ts';
export { compatChangeKinds, type CompatChange, type CompatChangeKind } from './compat-change.ts';
