/**
 * TS names: members, params, fields and enum members are property names and
 * keep reserved words as written; declarations and constants are bindings
 * and escape them; names every object inherits are escaped everywhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EnumDeclaration, ServiceDeclaration, StructDeclaration } from '../../compiler/model/model.ts';
import { toTsName } from '../../compiler/emit/names.ts';
import { assertValid, compileText } from './schema-test-utils.ts';

describe('TS names', () => {
  it('keeps reserved words as property names: members, params, fields, enum members', () => {
    const model = assertValid(
      compileText(
        [
          'struct Item { class: int32; new: bool; default: string; get: string }',
          'enum Op { if = 1, else = 2, delete = 3 }',
          'service Store { get(in: int32, for: string): Item; delete(import: int32): void; topic switch: Item }',
        ].join('\n'),
      ),
    );
    assert.deepEqual((model.declarations['Item'] as StructDeclaration).fields.map((f) => f.tsName), ['class', 'new', 'default', 'get']);
    assert.deepEqual((model.declarations['Op'] as EnumDeclaration).members.map((m) => m.tsName), ['if', 'else', 'delete']);
    const store = model.declarations['Store'] as ServiceDeclaration;
    assert.deepEqual(store.members.map((m) => m.tsName), ['get', 'delete', 'switch']);
    const get = store.members[0];
    assert.deepEqual(get?.kind === 'call' ? get.params.map((p) => p.tsName) : [], ['in', 'for']);
  });

  it('escapes bindings: declarations named like a reserved word or a global', () => {
    assert.equal(toTsName('delete', 'type'), 'Delete');
    assert.equal(toTsName('Promise', 'type'), 'Promise_');
    assert.equal(toTsName('if', 'constant'), 'if_');
    assert.equal(toTsName('let', 'constant'), 'let_');
  });

  it('escapes names every object inherits, in any position', () => {
    for (const style of ['member', 'enum-member'] as const) {
      assert.equal(toTsName('constructor', style), 'constructor_');
      assert.equal(toTsName('valueOf', style), 'valueOf_');
    }
    assert.equal(toTsName('to_string', 'member'), 'toString_');
    assert.equal(toTsName('__proto__', 'enum-member'), '__proto___');
  });
});
