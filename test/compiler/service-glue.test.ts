/**
 * The parts of the runtime's glue the generator hands `defineServiceWith`
 * (compiler/emit/service-descriptor.ts), here JSON's exact numbers: a
 * service gets `json: exactJson` exactly when a value anywhere in it may be
 * a number (an integer, a float or `any`), so a page of strings and bools
 * leaves the part out of its bundle.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceGlue } from '../../compiler/emit/service-descriptor.ts';
import type { ServiceDeclaration } from '../../compiler/model/model.ts';
import { assertValid, compileText } from './schema-test-utils.ts';

/** The glue slots of service `S` in a schema of package `p` whose body is `body`. */
function glueOf(body: string): string[] {
  const model = assertValid(compileText(`package p\n${body}`));
  return serviceGlue(model, model.declarations['p.S'] as ServiceDeclaration).map(([slot, name]) => `${slot}: ${name}`);
}

describe('service glue: JSON exact numbers', () => {
  it('a service of strings, bools and bytes needs no part at all', () => {
    assert.deepEqual(glueOf('service S { hello(name: string, loud: bool, data: bytes): string }'), []);
    assert.deepEqual(glueOf('struct Name { first: string, tags: list<string> }\nservice S { hello(name: Name): map<string, string> }'), ['codec: valueCodec']);
  });

  it('an integer, a float or any anywhere in a value brings the part', () => {
    const cases: [string, string[]][] = [
      ['service S { count(): int32 }', ['codec: scalarCodec', 'json: exactJson']],
      ['service S { scale(by: float64) }', ['codec: scalarCodec', 'json: exactJson']],
      ['service S { echo(value: any): any }', ['json: exactJson']],
      ['service S { ids(): list<int64> }', ['codec: valueCodec', 'json: exactJson']],
      ['service S { byId(): map<int32, string> }', ['codec: valueCodec', 'json: exactJson']],
      ['service S { pair(): tuple<string, float32> }', ['codec: valueCodec', 'json: exactJson']],
      ['struct Money { amount: int64 }\nstruct Order { price: Money }\nservice S { order(): list<Order> }', ['codec: valueCodec', 'json: exactJson']],
      ['error TooMany { limit: uint32 }\nservice S { hello(name: string): string throws TooMany }', ['errors: typedErrorGlue', 'codec: scalarCodec', 'json: exactJson']],
      ['service S { watch(on_item: callback(n: int32)) }', ['codec: scalarCodec', 'callbacks: callbackGlue', 'json: exactJson']],
    ];
    for (const [body, glue] of cases) assert.deepEqual(glueOf(body).sort(), [...glue].sort(), body);
  });

  it('an enum is an int32 on the wire, exact in plain JSON: it needs the value codec only', () => {
    assert.deepEqual(glueOf('enum Colour { red = 1, green = 2 }\nservice S { paint(colour: Colour): string }'), ['codec: valueCodec']);
  });
});
