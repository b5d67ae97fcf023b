/**
 * The shapes every part of the benchmark agrees on: what a contender must
 * provide, what the client process measures, and what it reports back.
 *
 * Everything that crosses a process boundary (addresses, configs, results)
 * is plain JSON.
 */

/**
 * Where a contender's server listens, as a URL: `tcp://127.0.0.1:PORT`,
 * `unix:///tmp/.../x.sock` or `ws://127.0.0.1:PORT/`. A URL is JSON-safe,
 * so the driver can hand it from the server process to the client process.
 */
export type Address = string;

/** A running contender server, inside the server process. */
export interface BenchServer {
  readonly address: Address;
  close(): Promise<void>;
}

/**
 * The client side of one contender, inside the client process. Each method
 * is one remote call of the bench schema (`bench/schemas/bench.sparrow`).
 */
export interface BenchClient {
  /** `add(a, b)`, computed by the server. */
  add(a: number, b: number): Promise<number>;
  /** The server returns exactly `size` bytes. */
  blob(size: number): Promise<Uint8Array>;
  /** The server streams `n` small `{i, v}` items; resolves with the count received once all have arrived. */
  stream(n: number): Promise<number>;
  /**
   * The server calls the client's `echo(i)` one call at a time until it has
   * made `n` calls or `maxMs` has passed; resolves with the calls made.
   * Absent when the contender has no server→client calls (gRPC).
   */
  callbacks?(n: number, maxMs: number): Promise<number>;
  close(): Promise<void>;
}

/** One contender: how to start its server and how to connect a client to it. */
export interface Contender {
  startServer(): Promise<BenchServer>;
  connect(address: Address): Promise<BenchClient>;
  /** False when each `connect` starts a server of its own (the worker rows): many-connections is then n/a. */
  readonly sharedServer?: boolean;
}

/** The knobs of one client run, chosen by the driver. */
export interface ScenarioConfig {
  /** Warm-up time of every time-bounded scenario. */
  warmMs: number;
  /** Time bound of every measured, time-bounded scenario. */
  ms: number;
  /** Calls in flight in the pipelined scenario. */
  depth: number;
  /** Size of the blob result. */
  blobSize: number;
  /** Items of the measured stream. */
  streamItems: number;
  /** The stream and callback scenarios fail after this long. */
  scenarioTimeoutMs: number;
  /** Client connections of the many-connections scenario, and sequential calls on each. */
  connections: number;
  callsPerConnection: number;
  /** Run only these scenarios (the rest report n/a); all when absent. For profiling one scenario. */
  only?: ScenarioName[];
}

/** The names of the scenarios, in table order. */
export const SCENARIOS = ['seq', 'pipelined', 'blob', 'stream', 'callback', 'many'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** One scenario's figures: `rate` always (calls/s, MiB/s or items/s), latencies for seq. */
export interface ScenarioFigures {
  rate: number;
  /** Median round-trip time in µs (seq and many). */
  p50?: number;
  /** 99th-percentile round-trip time in µs (seq and many). */
  p99?: number;
}

/** What one scenario produced: figures, or why it has none. */
export type ScenarioOutcome =
  | ({ status: 'ok' } & ScenarioFigures)
  | { status: 'na' }
  | { status: 'error'; error: string };

/** Everything one round of one contender produced. */
export interface RoundResult {
  scenarios: Record<ScenarioName, ScenarioOutcome>;
  /** Peak resident set of the server process, MiB. */
  serverRssMiB: number;
  /** Peak resident set of the client process, MiB. */
  clientRssMiB: number;
}

/** A round either produced results or failed as a whole (crash, timeout, missing dependency). */
export type RoundOutcome = ({ status: 'ok' } & RoundResult) | { status: 'failed'; error: string };

/** Messages from a child process to the driver, over the IPC channel. */
export type HostMessage =
  | { type: 'ready'; address: Address }
  | { type: 'results'; scenarios: Record<ScenarioName, ScenarioOutcome>; rssMiB: number }
  | { type: 'rss'; rssMiB: number }
  | { type: 'fatal'; error: string };

/** Messages from the driver to a child process. */
export type DriverMessage =
  | { type: 'run'; address: Address; config: ScenarioConfig }
  | { type: 'rss' }
  | { type: 'stop' };
