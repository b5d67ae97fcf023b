/**
 * Seeded random `.sparrow` schemas produced from the grammar: every kind of
 * declaration, member, type and value, with random whitespace, separators,
 * line and block comments (own-line and trailing) and doc comments. They are
 * valid schemas (the checker accepts them), so a formatter's output can be
 * compared with its input model for model.
 */

/** Generates one schema from `random` (see seeded-random.ts). */
export function generateRandomSchema(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number): boolean => random() < p;
  const count = (max: number): number => Math.floor(random() * (max + 1));
  let serial = 0;
  const fresh = (prefix: string): string => `${prefix}${serial++}`;

  const space = (): string => pick([' ', ' ', '  ', '\t', '\n  ', ' /* c */ ']);
  const gap = (): string => pick(['\n', '\n', '\n\n', '\n\n\n', '\n  \n']);
  const comment = (): string => pick(['// a note', '//', '/* block */', '/* two\n   lines */', '// trailing  ']);
  const doc = (indent: string): string => (chance(0.4) ? `${indent}/// ${pick(['Doc.', 'Two words.', '`code` and *stars*'])}\n` : '');
  const ownComment = (indent: string): string => (chance(0.2) ? `${indent}${comment()}\n` : '');
  const trailing = (): string => (chance(0.15) ? ` ${pick(['// after', '/* after */'])}` : '');
  const listSep = (): string => pick([',', ', ', ' ,', ',\n  ']);

  const structs: string[] = [];
  const enums: { name: string; members: string[] }[] = [];
  const errors: string[] = [];

  const scalar = (): string => pick(['bool', 'int8', 'int32', 'uint16', 'int', 'int64', 'float32', 'float64', 'string', 'bytes', 'any']);
  const valueType = (depth = 0): string => {
    const declared = [...structs, ...enums.map((e) => e.name)];
    const r = random();
    if (depth < 2 && r < 0.15) return `list<${space().trim() === '' ? '' : ''}${valueType(depth + 1)}>`;
    if (depth < 2 && r < 0.25) return `map<${pick(['string', 'int32', 'uint8'])}${listSep()}${valueType(depth + 1)}>`;
    if (depth < 2 && r < 0.3) return `tuple<${valueType(depth + 1)}${listSep()}${valueType(depth + 1)}>`;
    if (declared.length > 0 && r < 0.5) return pick(declared);
    return scalar();
  };
  /** A literal for the types that have simple ones; `undefined` when none is easy. */
  const literal = (type: string): string | undefined => {
    if (type === 'bool') return pick(['true', 'false']);
    if (type === 'string') return pick(['""', '"x"', '"a\\tb"', '"\\u00e9"']);
    if (/^u?int/.test(type)) return pick(['0', '1', '1_0', '0x7']);
    if (type.startsWith('float')) return pick(['1.5', '0.0', '2e3', '3']);
    if (type.startsWith('list<')) return pick(['[]', `[${literal(type.slice(5, -1)) ?? ''}]`.replace('[undefined]', '[]')]);
    if (type.startsWith('map<')) return '{}';
    const e = enums.find((x) => x.name === type);
    if (e !== undefined && e.members.length > 0) return `${e.name}.${pick(e.members)}`;
    return undefined;
  };
  const attrs = (kind: 'member' | 'field'): string => {
    const out: string[] = [];
    if (chance(0.1)) out.push(`@deprecated(${pick(['', '"old"'])})`);
    if (kind === 'member' && chance(0.1)) out.push(`@auth("a"${listSep()}"b")`);
    if (chance(0.1)) out.push(`@wire("w_${serial++}")`);
    return out.map((a) => `${a}${space()}`).join('');
  };
  const field = (indent: string, allowDefault: boolean): string => {
    const type = valueType();
    const optional = chance(0.3);
    const value = allowDefault && chance(0.4) ? literal(type) : undefined;
    return `${doc(indent)}${ownComment(indent)}${indent}${attrs('field')}${fresh('f_')}${optional ? '?' : ''}:${space()}${type}${value === undefined ? '' : ` =${space()}${value}`}`;
  };
  const block = (items: string[]): string => {
    if (items.length === 0) return pick(['{}', '{ }', '{\n}']);
    let out = '{';
    items.forEach((item, i) => {
      out += i === 0 ? pick(['\n', ` ${trailing()}\n`]) : pick([`\n`, `;${trailing()}\n`, `,\n`, `;\n\n`]);
      out += item;
    });
    return `${out}${pick(['\n', ';\n', ',\n'])}}`;
  };
  const params = (withStreams: boolean): string => {
    const list: string[] = [];
    for (let i = count(3); i > 0; i--) {
      const r = random();
      if (withStreams && r < 0.1) list.push(`${fresh('s_')}: stream<${valueType()}>`);
      else if (withStreams && r < 0.2) list.push(`${fresh('cb_')}: callback(${fresh('x_')}: ${valueType()})${chance(0.5) ? `: ${valueType()}` : ''}`);
      else list.push(field('', true).trim());
    }
    return `(${list.join(pick([', ', ',', ',\n    ']))}${chance(0.2) && list.length > 0 ? ',' : ''})`;
  };

  const statements: string[] = [];
  if (chance(0.7)) statements.push(`${doc('')}package ${pick(['p', 'demo.v1', 'a.b.c'])}`);
  for (let i = 1 + count(6); i > 0; i--) {
    const r = random();
    if (r < 0.15) {
      const name = fresh('E');
      const members: string[] = [];
      const items: string[] = [];
      for (let m = count(4); m > 0; m--) {
        const member = fresh('m');
        members.push(member);
        items.push(`${doc('  ')}${ownComment('  ')}  ${member} = ${serial}`);
      }
      enums.push({ name, members });
      statements.push(`${doc('')}enum ${name} ${block(items)}`);
    } else if (r < 0.45) {
      const name = fresh('S');
      const items: string[] = [];
      for (let f = count(4); f > 0; f--) items.push(field('  ', true));
      statements.push(`${doc('')}${pick(['struct', 'struct', 'error'])} ${name} ${block(items)}`);
      if (statements.at(-1)?.includes('error ') === true) errors.push(name);
      else structs.push(name);
    } else if (r < 0.55 && structs.length > 0) {
      const members = [...new Set([pick(structs), pick(structs), pick(structs)])];
      statements.push(`${doc('')}union ${fresh('U')} =${chance(0.3) ? ' |' : ''} ${members.join(`${space()}|${space()}`)}`);
    } else if (r < 0.65) {
      const type = pick(['int32', 'string', 'bool', 'float64']);
      statements.push(`${doc('')}const ${fresh('C')}: ${type} =${space()}${literal(type) ?? '0'}`);
    } else {
      const items: string[] = [];
      for (let m = count(5); m > 0; m--) {
        const k = random();
        if (k < 0.15) items.push(`${doc('  ')}  ${attrs('member')}notify ${fresh('n_')}${params(false)}`);
        else if (k < 0.25) items.push(`${doc('  ')}  topic ${fresh('t_')}: ${valueType()}`);
        else {
          const result = chance(0.3) ? '' : `:${space()}${pick([valueType(), 'void', `stream<${valueType()}>`])}`;
          const throws = errors.length > 0 && chance(0.3) ? ` throws ${[...new Set([pick(errors), pick(errors)])].join(', ')}` : '';
          items.push(`${doc('  ')}${ownComment('  ')}  ${attrs('member')}${fresh('call_')}${params(true)}${result}${throws}`);
        }
      }
      const namespace = chance(0.3) ? `@namespace("${fresh('ns')}")\n` : '';
      statements.push(`${doc('')}${namespace}service ${fresh('Svc')} ${block(items)}`);
    }
  }
  let text = '';
  for (const statement of statements) text += `${ownComment('')}${statement}${trailing()}${gap()}`;
  return chance(0.2) ? `// header\n\n${text}` : text;
}
