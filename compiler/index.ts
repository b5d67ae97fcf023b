// Programmatic compiler entry: re-exports only.
export { main } from './cli/main.ts';
