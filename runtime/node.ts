// Node entry: everything in the browser-safe entry plus the Node transports.
export * from './index.ts';
