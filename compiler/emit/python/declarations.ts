/**
 * Declarations in generated Python: enums as `IntEnum`, structs as frozen
 * dataclasses with `to_wire`/`from_wire`, errors as `SchemaError`
 * subclasses, unions as type aliases with `$type`-tagged helpers, consts
 * as `Final` names.
 */
import type { ConstDeclaration, EnumDeclaration, ErrorDeclaration, Field, StructDeclaration, UnionDeclaration } from '../../model/model.ts';
import { deprecatedNote, docstring } from './doc.ts';
import { NameScope, escapeName, memberName } from './names.ts';
import { decoder, declName, encode, isScalar, literal, pyType, unionHelpers, type TypeScope } from './types.ts';

/** Python names of a struct's or error's fields, in order. */
export function fieldNames(fields: readonly Field[], reserved: readonly string[] = []): string[] {
  const scope = new NameScope(reserved);
  return fields.map((f) => scope.pick(memberName(f.name)));
}

export function emitEnum(d: EnumDeclaration): string[] {
  const scope = new NameScope();
  const lines = [`class ${declName(d)}(IntEnum):`, ...docstring('    ', [d.doc, deprecatedNote(d)])];
  if (lines.length > 1) lines.push('');
  for (const m of d.members) {
    lines.push(`    ${scope.pick(escapeName(m.name))} = ${m.value}`);
    lines.push(...docstring('    ', [m.doc, deprecatedNote(m)]));
  }
  if (d.members.length === 0) lines.push('    pass');
  return lines;
}

/** The lines of `to_wire` building `_wire` from `self` (shared by structs and errors). */
function toWireBody(fields: readonly Field[], names: readonly string[], scope: TypeScope): string[] {
  const lines = ['        _wire: dict[str, object] = {}'];
  fields.forEach((f, i) => {
    const value = `self.${names[i]}`;
    if (f.optional && f.default === undefined) {
      lines.push(`        if ${value} is not None:`, `            _wire[${JSON.stringify(f.wireName)}] = ${encode(f.type, value, scope)}`);
    } else {
      lines.push(`        _wire[${JSON.stringify(f.wireName)}] = ${encode(f.type, value, scope)}`);
    }
  });
  lines.push('        return _wire');
  return lines;
}

/** `name=decode(...)` arguments reading every field from `_fields` at `path`. */
function fromWireArgs(fields: readonly Field[], names: readonly string[], scope: TypeScope): string[] {
  return fields.map((f, i) => {
    const key = JSON.stringify(f.wireName);
    const dec = decoder(f.type, scope);
    if (f.default !== undefined) return `${names[i]}=_v.defaulted(_fields, ${key}, ${dec}, path, lambda: ${literal(f.type, f.default, scope)})`;
    if (f.optional) return `${names[i]}=_v.optional(_fields, ${key}, ${dec}, path)`;
    return `${names[i]}=_v.required(_fields, ${key}, ${dec}, path)`;
  });
}

/** The annotation and default of a dataclass field. */
function fieldDeclaration(f: Field, name: string, scope: TypeScope): string {
  const type = pyType(f.type, scope);
  if (f.default !== undefined) {
    const value = literal(f.type, f.default, scope);
    const annotation = f.default === null ? `${type} | None` : type;
    return isScalar(f.type, scope) || f.default === null ? `${name}: ${annotation} = ${value}` : `${name}: ${annotation} = _dc.field(default_factory=lambda: ${value})`;
  }
  if (f.optional) return `${name}: ${type} | None = None`;
  return `${name}: ${type}`;
}

export function emitStruct(d: StructDeclaration, scope: TypeScope): string[] {
  const name = declName(d);
  const names = fieldNames(d.fields);
  const doc = docstring('    ', [d.doc, deprecatedNote(d)]);
  const lines = ['@_dc.dataclass(frozen=True, slots=True, kw_only=True)', `class ${name}:`, ...doc];
  if (doc.length > 0 && d.fields.length > 0) lines.push('');
  d.fields.forEach((f, i) => {
    lines.push(`    ${fieldDeclaration(f, names[i] ?? '', scope)}`);
    lines.push(...docstring('    ', [f.doc, deprecatedNote(f)]));
  });
  if (d.fields.length > 0) lines.push('');
  lines.push('    def to_wire(self) -> dict[str, object]:', '        """The wire map: fields by wire name, absent optionals left out."""');
  lines.push(...toWireBody(d.fields, names, scope), '');
  lines.push('    @classmethod', `    def from_wire(cls, value: object, path: str = 'value') -> ${name}:`);
  lines.push('        """Checks a wire map against the schema; raises ``SchemaValueError`` naming the path."""');
  lines.push('        _fields = _v.fields_of(value, path)');
  const args = fromWireArgs(d.fields, names, scope);
  if (args.length === 0) lines.push('        return cls()');
  else lines.push('        return cls(', ...args.map((a) => `            ${a},`), '        )');
  return lines;
}

export function emitError(d: ErrorDeclaration, scope: TypeScope): string[] {
  const name = declName(d);
  const names = fieldNames(d.fields, ['args', 'message', 'add_note', 'with_traceback']);
  const lines = [`class ${name}(_e.SchemaError):`, ...docstring('    ', [d.doc, deprecatedNote(d)]), ''];
  lines.push(`    TYPE: ClassVar[str] = ${JSON.stringify(d.name)}`, '');
  const params = d.fields.map((f, i) => {
    const n = names[i] ?? '';
    const type = pyType(f.type, scope);
    if (f.default !== undefined) {
      return isScalar(f.type, scope) || f.default === null ? `${n}: ${f.default === null ? `${type} | None` : type} = ${literal(f.type, f.default, scope)}` : `${n}: ${type} | None = None`;
    }
    return f.optional ? `${n}: ${type} | None = None` : `${n}: ${type}`;
  });
  lines.push(`    def __init__(self, message: str | None = None, /${params.length > 0 ? `, *, ${params.join(', ')}` : ''}) -> None:`);
  lines.push(`        super().__init__(message if message is not None else ${JSON.stringify(d.name)})`);
  d.fields.forEach((f, i) => {
    const n = names[i] ?? '';
    const type = pyType(f.type, scope);
    if (f.default !== undefined && f.default !== null && !isScalar(f.type, scope)) {
      lines.push(`        self.${n}: ${type} = ${n} if ${n} is not None else ${literal(f.type, f.default, scope)}`);
    } else {
      const annotation = f.optional || f.default === null ? `${type} | None` : type;
      lines.push(`        self.${n}: ${annotation} = ${n}`);
    }
    lines.push(...docstring('        ', [f.doc]));
  });
  lines.push('');
  lines.push('    def to_wire(self) -> dict[str, object]:', '        """The fields as they travel in the error\'s ``data``."""');
  lines.push(...toWireBody(d.fields, names, scope), '');
  lines.push('    @classmethod', `    def from_wire(cls, value: object, path: str = 'data', message: str = '') -> ${name}:`);
  lines.push('        """The error from its wire ``data`` (and ``msg``); raises ``SchemaValueError`` when the fields do not match."""');
  lines.push('        _fields = _v.fields_of(value, path)');
  const args = fromWireArgs(d.fields, names, scope);
  lines.push(`        return cls(${['message or None', ...args].join(', ')})`);
  return lines;
}

export function emitUnion(d: UnionDeclaration, scope: TypeScope): string[] {
  const name = declName(d);
  const helpers = unionHelpers(d);
  const variants = d.variants.map((v) => ({ tag: v.tag, cls: scope.qualify(v.type, declName(scope.decl(v.type))) }));
  const lines = [`${name}: TypeAlias = ${JSON.stringify(variants.map((v) => v.cls).join(' | '))}`, ...docstring('', [d.doc, deprecatedNote(d)]), '', ''];
  lines.push(`def ${helpers.toWire}(value: ${name}) -> dict[str, object]:`, `    """The wire map of a ${d.name}: the variant's fields plus its \`\`$type\`\`."""`);
  for (const v of variants) lines.push(`    if isinstance(value, ${v.cls}):`, `        return {'$type': ${JSON.stringify(v.tag)}, **value.to_wire()}`);
  lines.push(`    raise TypeError(f'not a ${d.name}: {type(value).__name__}')`, '', '');
  lines.push(`def ${helpers.fromWire}(value: object, path: str = 'value') -> ${name}:`, `    """A ${d.name} from its wire map, chosen by \`\`$type\`\`."""`);
  lines.push("    _tag = _v.fields_of(value, path).get('$type')");
  for (const v of variants) lines.push(`    if _tag == ${JSON.stringify(v.tag)}:`, `        return ${v.cls}.from_wire(value, path)`);
  lines.push(`    raise _v.SchemaValueError(f'{path}.$type', f'expected one of ${d.variants.map((v) => v.tag).join(', ')}, got {_tag!r}')`);
  return lines;
}

export function emitConst(d: ConstDeclaration, scope: TypeScope): string[] {
  return [`${declName(d)}: Final[${pyType(d.type, scope)}] = ${literal(d.type, d.value, scope)}`, ...docstring('', [d.doc, deprecatedNote(d)])];
}
