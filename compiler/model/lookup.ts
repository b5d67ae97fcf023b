/**
 * Small, pure helpers over a {@link SchemaModel}, so consumers don't each
 * re-implement the lookups.
 */
import type { Declaration, QualifiedName, SchemaModel, ServiceDeclaration } from './model.ts';

/** The declaration named `name`, narrowed to `kind`; `undefined` when absent or of another kind. */
export function getDeclaration<K extends Declaration['kind']>(model: SchemaModel, name: QualifiedName, kind: K): Extract<Declaration, { kind: K }> | undefined {
  const declaration = model.declarations[name];
  return declaration?.kind === kind ? (declaration as Extract<Declaration, { kind: K }>) : undefined;
}

/** Every declaration of a file, in source order. */
export function declarationsOf(model: SchemaModel, filePath: string): Declaration[] {
  const file = model.files.find((f) => f.path === filePath);
  return (file?.declarations ?? []).map((name) => model.declarations[name]).filter((d): d is Declaration => d !== undefined);
}

/** Every service of the model, in file then source order. */
export function servicesOf(model: SchemaModel): ServiceDeclaration[] {
  return model.files.flatMap((f) => declarationsOf(model, f.path)).filter((d): d is ServiceDeclaration => d.kind === 'service');
}
