/**
 * The wire's shared vocabulary, at the bottom of the runtime: every layer
 * may import it and it imports nothing. It holds the names two layers must
 * agree on without depending on each other: serialiser codes (serialisation
 * and the envelope), chain layouts, and a chain as the pieces a transport
 * carries (framing writes them, transports send them).
 *
 * Browser-safe: Uint8Array only.
 */

/** Serialiser codes as they appear on the wire (PROTOCOL.md §3). */
export type SerialiserCode = 'j' | 'm' | 'c';

/** The two chain layouts (PROTOCOL.md decision 1, §12). */
export type ChainLayout = '0.1.2' | 'next';

/**
 * One chain for `Transport.send`: a single array, or pieces whose
 * concatenation is the chain. Pieces let a large binary payload travel as
 * the caller gave it, between the chain's head and its end byte, with no
 * copy (see `encodeMessagePieces`).
 */
export type ChainBytes = Uint8Array | readonly Uint8Array[];

/**
 * From this size on a chain part is memory of its own (docs/runtime.md,
 * "Buffer ownership"): the chain parser never lends such a part, and the
 * serialisers hand binary values out of it as views instead of copies.
 */
export const LARGE_PART_BYTES = 0x10000;

/** True when `code` names a serialiser (`j`, `m` or `c`). */
export function isSerialiserCode(code: unknown): code is SerialiserCode {
  return code === 'j' || code === 'm' || code === 'c';
}

/** Total length of a chain given whole or in pieces. */
export function chainLength(chain: ChainBytes): number {
  if (chain instanceof Uint8Array) return chain.length;
  let length = 0;
  for (const piece of chain) length += piece.length;
  return length;
}

/** A chain given whole or in pieces, as one array (the array itself when whole; a fresh one otherwise). */
export function joinChain(chain: ChainBytes): Uint8Array {
  if (chain instanceof Uint8Array) return chain;
  const out = new Uint8Array(chainLength(chain));
  let pos = 0;
  for (const piece of chain) {
    out.set(piece, pos);
    pos += piece.length;
  }
  return out;
}

/**
 * Resolves once a link's or transport's output has drained: its own
 * `drained()` where it has one, else polling (`pollDrained`). How every
 * writer that waits for the output waits.
 */
export function whenDrained(pipe: { readonly bufferedAmount: number; drained?(): Promise<void> }): Promise<void> {
  return pipe.drained?.() ?? pollDrained(pipe);
}

/**
 * Waits for a pipe with no drain signal of its own (a browser WebSocket,
 * `ws`) to empty: polls `bufferedAmount`, backing off from 1 to 50 ms.
 */
export function pollDrained(pipe: { readonly bufferedAmount: number }): Promise<void> {
  return new Promise((resolve) => {
    let delay = 0.5;
    const check = (): unknown => (pipe.bufferedAmount ? setTimeout(check, (delay = Math.min(delay * 2, 50))) : resolve());
    check();
  });
}

/** The subject or issuer of a certificate: its fields by short name (`CN`, `O`, …). */
export type CertificateName = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A verified TLS client certificate, as a listener saw it (mTLS). */
export interface PeerCertificate {
  readonly subject: CertificateName;
  readonly issuer: CertificateName;
  /** SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint256: string;
}

/** The HTTP request that opened a WebSocket connection. */
export interface UpgradeRequest {
  /** The request target (path and query), as sent. */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The `Origin` header (browsers send it), when present. */
  readonly origin: string | undefined;
}

/**
 * What the transport of an accepted connection knows about the other end:
 * what a listener's `authenticate` hook receives besides the credential.
 * Shared vocabulary: transports fill it, the peer's session reads it.
 */
export interface ConnectionFacts {
  /** The remote IP address (tcp, tls, ws, wss). */
  readonly remoteAddress?: string;
  /** The client certificate a tls/wss listener with `ca` verified. */
  readonly peerCertificate?: PeerCertificate;
  /** ws/wss: the upgrade request. */
  readonly request?: UpgradeRequest;
}
