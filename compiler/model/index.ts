// The model contract: types only, plus lookups that every consumer needs.
export * from './model.ts';
export * from './lookup.ts';
export * from './print-type.ts';
