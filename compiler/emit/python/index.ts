// The Python back end: re-exports only.
export { emitPython, pythonSupportFiles, type PythonEmitOptions, type PythonFile } from './emit.ts';
