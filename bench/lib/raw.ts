/**
 * The raw limit: the bench schema's behaviour over a plain `net` socket
 * (TCP or Unix) or a plain `ws` WebSocket, with length-prefixed frames and
 * no serialisation. Numbers travel as float64/uint32 fields and blobs as
 * raw bytes. Every RPC system in the table does strictly more work than
 * this, so it is the yardstick the Sparrow rows are divided by. Writes made
 * in one tick leave in one syscall, and stream items in corked batches.
 *
 * Over a WebSocket each frame is one message (its length prefix is kept, so
 * one parser serves both) and the coalescing corks the TCP socket under
 * `ws`, as Sparrow's ws transport does: raw-ws is the ws rows' limit, so
 * their ratio shows what Sparrow costs on top of the ws layer.
 */
import { once } from 'node:events';
import net from 'node:net';
import { WebSocket } from 'ws';
import { FrameParser, corkPerTick, frame, writeFrame } from './frames.ts';
import type { Address, BenchClient, BenchServer } from './types.ts';
import { serveWebSocket } from './ws-server.ts';

/** What the raw protocol needs from a connection: frames out (coalesced per tick, with back-pressure) and bytes in. */
interface RawLink {
  /** The TCP socket underneath, corked for stream batches. */
  readonly socket: net.Socket;
  /** Writes one whole frame; false when the writer should wait for `drain`. */
  write(frame: Buffer): boolean;
  /** Writes one frame whose payload is large, never copying the payload. */
  writeLarge(kind: number, id: number, payload: Uint8Array): boolean;
  /** Call before each write: corks per tick (cork.ts's rule). */
  readonly coalesce: () => void;
  onData(handler: (chunk: Buffer) => void): void;
  close(): void;
}

function socketLink(socket: net.Socket): RawLink {
  socket.setNoDelay(true);
  return {
    socket,
    write: (data) => socket.write(data),
    writeLarge: (kind, id, payload) => writeFrame(socket, kind, id, payload),
    coalesce: corkPerTick(socket),
    onData: (handler) => socket.on('data', handler),
    close: () => socket.destroy(),
  };
}

function webSocketLink(ws: WebSocket): RawLink {
  // `ws` keeps the TCP socket it writes to here; Sparrow's ws transport corks the same socket.
  const socket = (ws as unknown as { _socket: net.Socket })._socket;
  socket.setNoDelay(true);
  return {
    socket,
    write(data) {
      ws.send(data);
      return !socket.writableNeedDrain;
    },
    writeLarge(kind, id, payload) {
      // One message in two fragments: the header, then the caller's bytes as they are (no copy).
      const head = frame(kind, id);
      head.writeUInt32LE(5 + payload.length, 0);
      ws.send(head, { fin: false });
      ws.send(payload, { fin: true });
      return !socket.writableNeedDrain;
    },
    coalesce: corkPerTick(socket),
    onData: (handler) => ws.on('message', (data: Buffer) => handler(data)),
    close: () => ws.terminate(),
  };
}

/** Frame kinds. */
const Kind = { add: 1, result: 2, blob: 3, stream: 4, item: 5, callbacks: 6, echoRequest: 7, echoResult: 8 } as const;

/** Stream items are written in corked batches of this many, one syscall per batch. */
const STREAM_BATCH = 256;

let blobBytes = Buffer.alloc(0);
/** The blob result, allocated once and grown on demand, so the server measures sending, not allocating. */
function blobOf(size: number): Buffer {
  if (blobBytes.length < size) blobBytes = Buffer.alloc(size, 7);
  return blobBytes.subarray(0, size);
}

function uint32s(...values: number[]): Buffer {
  const buffer = Buffer.allocUnsafe(4 * values.length);
  values.forEach((value, index) => buffer.writeUInt32LE(value >>> 0, 4 * index));
  return buffer;
}

function float64(value: number): Buffer {
  const buffer = Buffer.allocUnsafe(8);
  buffer.writeDoubleLE(value, 0);
  return buffer;
}

/** `tcp://host:port` or `unix:///path` → options for `net.connect` and `server.listen`. */
function socketOptions(address: Address): { host: string; port: number } | { path: string } {
  const url = new URL(address);
  if (url.protocol === 'unix:') return { path: decodeURIComponent(url.pathname) };
  if (url.protocol === 'tcp:') return { host: url.hostname, port: Number(url.port) };
  throw new Error(`raw contender: unsupported address ${address}`);
}

function serveConnection(link: RawLink): void {
  const { socket, coalesce } = link;
  socket.on('error', () => {});
  const echoWaiters = new Map<number, () => void>();
  let nextEchoId = 0;

  async function streamItems(id: number, count: number): Promise<void> {
    const item = Buffer.allocUnsafe(12);
    for (let i = 0; i < count; i++) {
      if (i % STREAM_BATCH === 0) socket.cork();
      item.writeUInt32LE(i, 0);
      item.writeDoubleLE(i * 0.5, 4);
      const writable = link.write(frame(Kind.item, id, item));
      if (i % STREAM_BATCH === STREAM_BATCH - 1 || i === count - 1) {
        socket.uncork();
        if (!writable) await once(socket, 'drain');
      }
    }
    link.write(frame(Kind.result, id, uint32s(count)));
  }

  async function callEchoes(id: number, limit: number, maxMs: number): Promise<void> {
    const end = performance.now() + maxMs;
    let done = 0;
    while (done < limit && performance.now() < end) {
      const echoId = ++nextEchoId;
      const answered = new Promise<void>((resolve) => echoWaiters.set(echoId, resolve));
      coalesce();
      link.write(frame(Kind.echoRequest, echoId, uint32s(done)));
      await answered;
      done++;
    }
    coalesce();
    link.write(frame(Kind.result, id, uint32s(done)));
  }

  const parser = new FrameParser((kind, id, payload) => {
    coalesce();
    switch (kind) {
      case Kind.add:
        link.write(frame(Kind.result, id, float64(payload.readDoubleLE(0) + payload.readDoubleLE(8))));
        break;
      case Kind.blob:
        link.writeLarge(Kind.result, id, blobOf(payload.readUInt32LE(0)));
        break;
      case Kind.stream:
        void streamItems(id, payload.readUInt32LE(0));
        break;
      case Kind.callbacks:
        void callEchoes(id, payload.readUInt32LE(0), payload.readUInt32LE(4));
        break;
      case Kind.echoResult: {
        const resolve = echoWaiters.get(id);
        echoWaiters.delete(id);
        resolve?.();
        break;
      }
    }
  });
  link.onData((chunk) => parser.push(chunk));
}

/** Starts a raw server on `listenAt` (`tcp://127.0.0.1:0` or `unix:///…`); the address it returns has the real port. */
export async function startRawServer(listenAt: Address): Promise<BenchServer> {
  if (listenAt.startsWith('ws:')) return serveWebSocket((ws) => serveConnection(webSocketLink(ws)));
  const server = net.createServer((socket) => serveConnection(socketLink(socket)));
  server.listen(socketOptions(listenAt));
  await once(server, 'listening');
  const bound = server.address();
  const address = typeof bound === 'string' || bound === null ? listenAt : `tcp://127.0.0.1:${bound.port}`;
  return { address, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Connects a raw client to `address`. */
export async function connectRaw(address: Address): Promise<BenchClient> {
  let link: RawLink;
  if (address.startsWith('ws:')) {
    const ws = new WebSocket(address, { perMessageDeflate: false });
    await once(ws, 'open');
    link = webSocketLink(ws);
  } else {
    const socket = net.connect(socketOptions(address));
    await once(socket, 'connect');
    link = socketLink(socket);
  }
  const { coalesce } = link;
  const pending = new Map<number, (payload: Buffer) => void>();
  let nextId = 0;
  let onItem: () => void = () => {};

  const parser = new FrameParser((kind, id, payload) => {
    if (kind === Kind.item) {
      onItem();
      return;
    }
    // The client's echo(i): answer with the same bytes.
    if (kind === Kind.echoRequest) {
      coalesce();
      link.write(frame(Kind.echoResult, id, payload));
      return;
    }
    const resolve = pending.get(id);
    pending.delete(id);
    resolve?.(payload);
  });
  link.onData((chunk) => parser.push(chunk));

  function call(kind: number, payload: Buffer): Promise<Buffer> {
    const id = ++nextId;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      coalesce();
      link.write(frame(kind, id, payload));
    });
  }

  return {
    async add(a, b) {
      const request = Buffer.allocUnsafe(16);
      request.writeDoubleLE(a, 0);
      request.writeDoubleLE(b, 8);
      return (await call(Kind.add, request)).readDoubleLE(0);
    },
    blob: (size) => call(Kind.blob, uint32s(size)),
    async stream(n) {
      let count = 0;
      onItem = () => {
        count++;
      };
      const sent = (await call(Kind.stream, uint32s(n))).readUInt32LE(0);
      if (sent !== count) throw new Error(`raw stream: server sent ${sent}, client counted ${count}`);
      return count;
    },
    async callbacks(n, maxMs) {
      return (await call(Kind.callbacks, uint32s(n, maxMs))).readUInt32LE(0);
    },
    async close() {
      link.close();
    },
  };
}
