// Browser-safe runtime entry: re-exports only. Nothing here may import Node built-ins.
export * from './errors.ts';
export type * from './envelope/message.ts';
export type * from './transport/transport.ts';
