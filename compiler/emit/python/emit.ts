/**
 * The Python back end: model → one Python package per schema package
 * (`package demo.v1` → `demo/v1/` with `__init__.py`, one snake_case module
 * per schema file and `py.typed`), plus the `sparrowrpc_typed` support
 * package, in memory. Generated code runs on the reference `sparrowrpc`
 * (threaded and asyncio, both chain layouts: its API is the same).
 */
import type { SchemaFile, SchemaModel } from '../../model/model.ts';
import { docstring } from './doc.ts';
import { emitModule, header, publicNames } from './module.ts';
import { moduleName, packageDir } from './names.ts';
import { SUPPORT_FILES } from './support.ts';

/** Options of {@link emitPython}. */
export interface PythonEmitOptions {
  /** The sparrowc version written in headers. */
  readonly version: string;
  /** Leave out `sparrowrpc_typed/` (goldens keep one copy of it). */
  readonly withoutSupport?: boolean;
}

/** One generated file, `path` relative to the output folder. */
export interface PythonFile {
  readonly path: string;
  readonly content: string;
}

/** The support package's files (fixed text). */
export function pythonSupportFiles(): readonly PythonFile[] {
  return SUPPORT_FILES;
}

/** Generates every module of `model` (the system schema excluded), sorted by path. */
export function emitPython(model: SchemaModel, options: PythonEmitOptions): PythonFile[] {
  const files = model.files.filter((f) => !f.system);
  const fileOf = new Map<string, SchemaFile>();
  for (const file of files) for (const name of file.declarations) fileOf.set(name, file);
  const out = new Map<string, string>();
  const packages = new Map<string, SchemaFile[]>();
  for (const file of files) {
    const dir = packageDir(file.package);
    out.set([...dir, `${moduleName(file)}.py`].join('/'), emitModule(model, file, fileOf, options.version));
    const key = dir.join('/');
    packages.set(key, [...(packages.get(key) ?? []), file]);
  }
  // Every folder on the way to a package is a regular package too, so imports and mypy need no namespace packages.
  const folders = new Set<string>();
  for (const key of packages.keys()) {
    const parts = key === '' ? [] : key.split('/');
    for (let i = 1; i <= parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  for (const folder of folders) {
    const members = packages.get(folder);
    out.set(`${folder}/__init__.py`, members === undefined ? emitFolderInit(folder, options.version) : emitPackageInit(model, members, options.version));
    out.set(`${folder}/py.typed`, '');
  }
  if (options.withoutSupport !== true) for (const file of SUPPORT_FILES) out.set(file.path, file.content);
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, content]) => ({ path, content }));
}

function emitFolderInit(folder: string, version: string): string {
  return `${header(version, 'the schemas')}\n"""Generated packages under ${folder.replaceAll('/', '.')}."""\n`;
}

/** A package's `__init__.py`: every public name of its modules (a name two modules define stays reachable through its module). */
function emitPackageInit(model: SchemaModel, members: readonly SchemaFile[], version: string): string {
  const sorted = [...members].sort((a, b) => (moduleName(a) < moduleName(b) ? -1 : 1));
  const pkg = sorted[0]?.package ?? '';
  const doc = sorted.map((f) => f.doc).find((d) => d !== undefined) ?? `The generated package ${pkg}.`;
  const lines = [header(version, sorted.map((f) => f.path).join(', ')), ...docstring('', [doc]), '', 'from __future__ import annotations', ''];
  const taken = new Set<string>();
  const all: string[] = [];
  for (const file of sorted) {
    const names = publicNames(model, file).filter((n) => !taken.has(n));
    for (const n of names) taken.add(n);
    all.push(...names);
    lines.push(names.length === 0 ? `from . import ${moduleName(file)} as ${moduleName(file)}` : `from .${moduleName(file)} import ${names.join(', ')}`);
  }
  lines.push('', `__all__ = [${all.map((n) => JSON.stringify(n)).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}
