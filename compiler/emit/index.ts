// The code generator's back ends: re-exports only.
export { emitTypeScript, outputPath, type EmitOptions, type EmittedFile, type ImportExtension } from './typescript.ts';
export { emitJavaScript, JavaScriptEmitError } from './javascript.ts';
