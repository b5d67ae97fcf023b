/**
 * grpc: `@grpc/grpc-js` with `@grpc/proto-loader` (the .proto loaded at run
 * time), HTTP/2 cleartext on 127.0.0.1; unary calls and a server stream.
 * gRPC has no server→client calls, so the callback scenario is n/a.
 */
import { fileURLToPath } from 'node:url';
import { importPeerDependency } from '../lib/peer-deps.ts';
import type { Contender } from '../lib/types.ts';

// The slice of the gRPC API this file uses (see lib/peer-deps.ts for why it is declared here).
type UnaryCallback<T> = (error: Error | null, reply?: T) => void;
interface ServerCall<Req> {
  request: Req;
}
interface ServerStreamCall<Req> extends ServerCall<Req> {
  write(message: unknown): boolean;
  end(): void;
  once(event: 'drain', listener: () => void): unknown;
}
interface ClientStream {
  on(event: 'data', listener: () => void): ClientStream;
  on(event: 'end', listener: () => void): ClientStream;
  on(event: 'error', listener: (error: Error) => void): ClientStream;
}
interface BenchStub {
  Add(request: { a: number; b: number }, callback: UnaryCallback<{ sum: number }>): void;
  Blob(request: { size: number }, callback: UnaryCallback<{ data: Uint8Array }>): void;
  Stream(request: { n: number }): ClientStream;
  waitForReady(deadline: number, callback: (error?: Error) => void): void;
  close(): void;
}
interface BenchPackage {
  bench: { Bench: { new (address: string, credentials: unknown): BenchStub; service: unknown } };
}
interface GrpcServer {
  addService(service: unknown, implementation: Record<string, unknown>): void;
  bindAsync(address: string, credentials: unknown, callback: (error: Error | null, port: number) => void): void;
  tryShutdown(callback: () => void): void;
}
interface GrpcModule {
  Server: new () => GrpcServer;
  ServerCredentials: { createInsecure(): unknown };
  credentials: { createInsecure(): unknown };
  loadPackageDefinition(definition: unknown): unknown;
}
interface ProtoLoaderModule {
  loadSync(file: string, options: Record<string, unknown>): unknown;
}

async function loadBenchPackage(): Promise<{ grpc: GrpcModule; pkg: BenchPackage }> {
  const grpc = await importPeerDependency<GrpcModule>('@grpc/grpc-js');
  const loader = await importPeerDependency<ProtoLoaderModule>('@grpc/proto-loader');
  const protoFile = fileURLToPath(new URL('bench.proto', import.meta.url));
  const definition = loader.loadSync(protoFile, { keepCase: true, longs: Number, defaults: true });
  return { grpc, pkg: grpc.loadPackageDefinition(definition) as BenchPackage };
}

let blobBytes = Buffer.alloc(0);

/** The gRPC contender. */
export function createGrpcContender(): Contender {
  return {
    async startServer() {
      const { grpc, pkg } = await loadBenchPackage();
      const server = new grpc.Server();
      server.addService(pkg.bench.Bench.service, {
        Add(call: ServerCall<{ a: number; b: number }>, callback: UnaryCallback<{ sum: number }>) {
          callback(null, { sum: call.request.a + call.request.b });
        },
        Blob(call: ServerCall<{ size: number }>, callback: UnaryCallback<{ data: Uint8Array }>) {
          const size = call.request.size;
          if (blobBytes.length < size) blobBytes = Buffer.alloc(size, 7);
          callback(null, { data: blobBytes.subarray(0, size) });
        },
        async Stream(call: ServerStreamCall<{ n: number }>) {
          for (let i = 0; i < call.request.n; i++) {
            if (!call.write({ i, v: i * 0.5 })) await new Promise<void>((resolve) => call.once('drain', resolve));
          }
          call.end();
        },
      });
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
          error ? reject(error) : resolve(bound),
        );
      });
      return {
        address: `tcp://127.0.0.1:${port}`,
        close: () => new Promise<void>((resolve) => server.tryShutdown(resolve)),
      };
    },

    async connect(address) {
      const { grpc, pkg } = await loadBenchPackage();
      const url = new URL(address);
      const stub = new pkg.bench.Bench(`${url.hostname}:${url.port}`, grpc.credentials.createInsecure());
      await new Promise<void>((resolve, reject) => stub.waitForReady(Date.now() + 5000, (e) => (e ? reject(e) : resolve())));
      const unary = <Req, Res>(method: (request: Req, callback: UnaryCallback<Res>) => void, request: Req): Promise<Res> =>
        new Promise((resolve, reject) => {
          method.call(stub, request, (error, reply) => (error || reply === undefined ? reject(error ?? new Error('no reply')) : resolve(reply)));
        });
      return {
        add: async (a, b) => (await unary(stub.Add, { a, b })).sum,
        blob: async (size) => (await unary(stub.Blob, { size })).data,
        stream: (n) =>
          new Promise((resolve, reject) => {
            let count = 0;
            stub
              .Stream({ n })
              .on('data', () => {
                count++;
              })
              .on('end', () => resolve(count))
              .on('error', reject);
          }),
        async close() {
          stub.close();
        },
      };
    },
  };
}
