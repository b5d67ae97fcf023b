/**
 * Every chain of every captured vector (PROTOCOL.md §13): it decodes to the
 * meaning its annotation (Python repr) states, and the TS encoder's version
 * of that message, in the same layout and serialiser, decodes to the same
 * meaning again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Tests run on Node: its platform (every serialiser by default), as the Node entry installs it.
import '../../runtime/platform/node.ts';
// And the codec parts the Node entry installs: the `b` protocol, the fast framer.
import '../../runtime/envelope/node-parts.ts';
import { encodeMessage } from '../../runtime/envelope/codec.ts';
import { decodeChain } from '../../runtime/envelope/decode.ts';
import type { ChainLayout, IncomingMessage, SerialiserCode, WireFormat } from '../../runtime/envelope/message.ts';
import type { WireError } from '../../runtime/errors.ts';
import { ChainDecoder, type Chain } from '../../runtime/framing/chain-decoder.ts';
import { loadVectors, toHex, type ChainAnnotation } from '../helpers/vectors.ts';

const SUPPLEMENTARY = ['i', 'v', 's', 'd', 'c', 'l'];

/** Decodes one whole chain's bytes to a message, collecting warnings. */
function decodeBytes(bytes: Uint8Array): { message: IncomingMessage; warnings: string[] } {
  const chains: Chain[] = [];
  const decoder = new ChainDecoder((chain) => chains.push({ prefix: chain.prefix, parts: chain.parts.map((part) => part.slice()) }));
  decoder.push(bytes);
  assert.equal(chains.length, 1);
  const warnings: string[] = [];
  const message = decodeChain(chains[0]!, { onWarning: (warning) => warnings.push(warning.message) });
  return { message, warnings };
}

/** The meaning of a chain, built from its annotation alone (the test's own reading of §5–6 and §9). */
function expectedFromAnnotation(a: ChainAnnotation): IncomingMessage {
  const env = a.envelope;
  const layout: ChainLayout = a.headVersion === undefined ? '0.1.2' : 'next';
  const serialiser = a.serialiser as SerialiserCode;
  const protocol = (a.headVersion ?? (env.v === '.5' ? '.5' : 'b')) as '.5' | 'b';
  if (protocol === 'b') {
    const format = { layout, serialiser, protocol } as const;
    if ('target' in env) {
      return { kind: 'request', target: env.target as string, namespace: env.namespace as string, id: env.id as number, requestType: 'normal', ack: false, format };
    }
    return { kind: 'response', to: env.id as number, multipart: false, ack: false, hasResult: true, result: env.result, format };
  }
  const l = env.l;
  const format: WireFormat = typeof l === 'string' && l !== serialiser ? { layout, serialiser, payloadSerialiser: l as SerialiserCode, protocol } : { layout, serialiser, protocol };
  const marker = Object.keys(env).find((key) => !SUPPLEMENTARY.includes(key))!;
  const flags = marker.slice(1);
  const value = env[marker];
  const [first, second] = a.payload;
  const optional = <T,>(key: string, item: T | undefined | null): Record<string, T> => (item === undefined || item === null ? {} : { [key]: item });
  switch (marker[0]) {
    case 'r':
      return {
        kind: 'request',
        target: value as string,
        id: env.i as number,
        requestType: flags.includes('q') ? 'quiet' : flags.includes('s') ? 'silent' : 'normal',
        ack: flags.includes('a'),
        format,
        ...optional('namespace', env.s as string | undefined),
        ...optional('callbackOf', env.c as number | undefined),
        ...optional('params', first as Record<string, unknown> | undefined),
        ...(second === undefined
          ? {}
          : {
              declarations: {
                callbacks: Object.keys((second as Record<string, object>)['#cb']!),
                iterables: Object.keys((second as Record<string, object>)['#icb']!),
              },
            }),
      };
    case 'n':
      return {
        kind: 'notification',
        target: value as string,
        format,
        ...optional('namespace', env.s as string | undefined),
        ...optional('callbackOf', env.c as number | undefined),
        ...optional('params', first as Record<string, unknown> | undefined),
      };
    case 'p':
      return {
        kind: 'response',
        to: value as number,
        multipart: flags.includes('m'),
        ack: flags.includes('a'),
        ...(flags.includes('t') ? { final: 'terminator' as const } : flags.includes('f') ? { final: 'final' as const } : {}),
        hasResult: first !== undefined,
        ...(first === undefined ? {} : { result: first }),
        format,
      };
    case 'x':
      return { kind: 'exception', to: value as number, ack: flags.includes('a'), error: first as WireError, format };
    case 'a':
      return { kind: 'ack', to: value as number, format };
    default:
      throw new Error(`no marker in ${JSON.stringify(env)}`);
  }
}

const vectors = loadVectors();

describe('vectors', () => {
  it('are all there: 54 for 0.1.2 and 45 for HEAD, 345 chains', () => {
    assert.equal(vectors.length, 99);
    assert.equal(vectors.filter((vector) => vector.name.startsWith('head-')).length, 45);
    assert.equal(vectors.reduce((sum, vector) => sum + vector.chains.length, 0), 345);
  });

  for (const vector of vectors) {
    describe(vector.name, () => {
      vector.chains.forEach((chain, index) => {
        const label = `chain ${index + 1} (${chain.direction})`;
        it(`${label} decodes to the annotated meaning`, () => {
          const { message, warnings } = decodeBytes(chain.bytes);
          assert.deepEqual(message, expectedFromAnnotation(chain.annotation));
          // Only the hand-built 0.1.2 "b" reply (no v) is odd enough to warn about.
          assert.deepEqual(warnings.length > 0, vector.name === 'json-basic-encoder-ping' && chain.direction === 'S>C', warnings.join('; '));
        });

        it(`${label} re-encodes (same layout and serialiser) to the same meaning`, () => {
          const { message } = decodeBytes(chain.bytes);
          const bytes = encodeMessage(message, message.format);
          const again = decodeBytes(bytes);
          assert.deepEqual(again.message, message);
          assert.deepEqual(again.warnings, []);
          // HEAD msgpack and CBOR have no JSON spacing and no `l: null`: byte-identical.
          if (/^head-(msgpack|cbor)-/.test(vector.name)) assert.equal(toHex(bytes), chain.hex);
        });
      });
    });
  }
});
