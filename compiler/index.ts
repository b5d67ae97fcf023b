// Programmatic compiler entry: re-exports only.
export { main } from './cli/main.ts';
export { compileSchemas, compileSchemaText, systemSchemaPath, type CompileOptions, type CompileResult } from './compile.ts';
export { type Diagnostic } from './diagnostics/diagnostic.ts';
export { diagnosticMessages, type DiagnosticCode, type Severity } from './diagnostics/messages.ts';
export { formatDiagnostic, type FormatOptions } from './diagnostics/format.ts';
export type { ReadFile } from './source/read-files.ts';
export * from './model/index.ts';
export { compareModels, compatChangeKinds, type CompatChange, type CompatChangeKind } from './compat/index.ts';
export { emitDescriptor, DESCRIPTOR_FORMAT_VERSION, DESCRIPTOR_SCHEMA_ID } from './emit/descriptor.ts';
export { emitTypeScript, emitJavaScript, JavaScriptEmitError, outputPath, type EmitOptions, type EmittedFile, type ImportExtension } from './emit/index.ts';
export { loadConfig, ConfigError, CONFIG_FILE_NAME, TARGET_NAMES, type SparrowConfig, type GenerateEntry, type TargetName, type TargetOptions, type LintConfig, type ConfigErrorCode } from './config/config.ts';
