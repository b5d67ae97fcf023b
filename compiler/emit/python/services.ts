/**
 * Services in generated Python: a threaded and an asyncio client class, a
 * threaded and an asyncio handler `Protocol`, and `register_*` functions
 * that export a handler to the reference's `FunctionRegister` under the
 * schema's wire names, namespace, multipart flags and callback params.
 * The wire work is done by `sparrowrpc_typed` (the typed boundary over the
 * reference); this file only writes the typed shells.
 */
import type { CallbackParam, CallMember, NotifyMember, Param, ServiceDeclaration, ServiceMember, TypeRef, ValueParam } from '../../model/model.ts';
import { deprecatedNote, docstring } from './doc.ts';
import { NameScope, memberName, snakeCase } from './names.ts';
import { decoder, declName, encode, isScalar, literal, pyType, type TypeScope } from './types.ts';

/** Which flavour of the reference API a piece of code is for. */
type Engine = 'threaded' | 'async';

/** The Python names derived from a service. */
export function serviceNames(s: ServiceDeclaration): { client: string; asyncClient: string; handler: string; asyncHandler: string; register: string; registerAsync: string } {
  const n = declName(s);
  const snake = snakeCase(s.name);
  return {
    client: `${n}Client`,
    asyncClient: `Async${n}Client`,
    handler: `${n}Handler`,
    asyncHandler: `Async${n}Handler`,
    register: `register_${snake}`,
    registerAsync: `register_${snake}_async`,
  };
}

interface Member {
  readonly m: ServiceMember;
  readonly name: string;
  /** Python names of the member's params, in order. */
  readonly params: readonly string[];
}

function membersOf(s: ServiceDeclaration): Member[] {
  const scope = new NameScope();
  return s.members.map((m) => {
    const params = new NameScope();
    return { m, name: scope.pick(memberName(m.name)), params: m.kind === 'topic' ? [] : m.params.map((p) => params.pick(memberName(p.name))) };
  });
}

const str = JSON.stringify;

/** A value param that may be left out by a caller (`X | None = None`). */
function omittable(p: ValueParam, scope: TypeScope): boolean {
  return p.optional || p.default === null || (p.default !== undefined && !isScalar(p.type, scope));
}

function resultType(t: TypeRef, scope: TypeScope): string {
  return t.kind === 'void' ? 'None' : pyType(t, scope);
}

/** A callback's own param type: `X | None` when the caller may leave it out. */
function callbackParamType(q: ValueParam, scope: TypeScope): string {
  const type = pyType(q.type, scope);
  return (q.optional && q.default === undefined) || q.default === null ? `${type} | None` : type;
}

function callbackType(p: CallbackParam, scope: TypeScope, returns: (r: string) => string): string {
  return `Callable[[${p.params.map((q) => callbackParamType(q, scope)).join(', ')}], ${returns(resultType(p.result, scope))}]`;
}

/** `_v.required(...)`-style read of one value param from a kwargs map. */
function readParam(p: ValueParam, from: string, path: string, scope: TypeScope): string {
  const key = str(p.wireName);
  const dec = decoder(p.type, scope);
  if (p.default !== undefined && p.default !== null) return `_v.defaulted(${from}, ${key}, ${dec}, ${path}, lambda: ${literal(p.type, p.default, scope)})`;
  if (p.optional || p.default === null) return `_v.optional(${from}, ${key}, ${dec}, ${path})`;
  return `_v.required(${from}, ${key}, ${dec}, ${path})`;
}

function memberDoc(m: ServiceMember, extra?: string): string[] {
  const auth = m.auth === undefined ? undefined : `Requires one of the groups: ${m.auth.join(', ')}.`;
  return docstring('        ', [m.doc, auth, deprecatedNote(m), extra]);
}

// ───────────────────────────── clients ─────────────────────────────

function clientSignature(member: Member, scope: TypeScope, engine: Engine): string {
  const parts: string[] = [];
  const m = member.m;
  if (m.kind !== 'topic') {
    m.params.forEach((p: Param, i) => {
      const n = member.params[i] ?? '';
      if (p.kind === 'value') {
        const type = pyType(p.type, scope);
        if (omittable(p, scope)) parts.push(`${n}: ${type} | None = None`);
        else if (p.default !== undefined) parts.push(`${n}: ${type} = ${literal(p.type, p.default, scope)}`);
        else parts.push(`${n}: ${type}`);
      } else if (p.kind === 'callback') {
        const type = callbackType(p, scope, (r) => (engine === 'async' ? `${r} | Awaitable[${r}]` : r));
        parts.push(p.optional ? `${n}: ${type} | None = None` : `${n}: ${type}`);
      } else {
        const type = `${engine === 'async' ? 'AsyncIterable' : 'Iterable'}[${pyType(p.item, scope)}]`;
        parts.push(p.optional ? `${n}: ${type} | None = None` : `${n}: ${type}`);
      }
    });
  }
  return parts.length === 0 ? 'self' : `self, *, ${parts.join(', ')}`;
}

/** Lines building `_params` and `_callbacks` from a client method's arguments. */
function clientBody(member: Member, scope: TypeScope, engine: Engine): string[] {
  const m = member.m;
  if (m.kind === 'topic') return [];
  const rt = engine === 'async' ? '_aio' : '_rt';
  const lines = ['        _params: dict[str, object] = {}'];
  if (m.kind === 'call') lines.push('        _callbacks: dict[str, object] = {}');
  m.params.forEach((p: Param, i) => {
    const n = member.params[i] ?? '';
    const key = str(p.wireName);
    if (p.kind === 'value') {
      if (omittable(p, scope)) lines.push(`        if ${n} is not None:`, `            _params[${key}] = ${encode(p.type, n, scope)}`);
      else lines.push(`        _params[${key}] = ${encode(p.type, n, scope)}`);
      return;
    }
    const indent = p.optional ? '            ' : '        ';
    if (p.optional) lines.push(`        if ${n} is not None:`);
    if (p.kind === 'stream') {
      const items = engine === 'async' ? `(${encode(p.item, '_item', scope)} async for _item in ${n})` : `(${encode(p.item, '_item', scope)} for _item in ${n})`;
      lines.push(`${indent}_callbacks[${key}] = ${rt}.iterable(${items})`);
      return;
    }
    const fn = `_cb_${n}`;
    const args = p.params.map((q) => readParam(q, '_kw', str(p.name), scope));
    // A closure does not keep the `is not None` narrowing: an optional callback is bound to a local first.
    const target = p.optional ? `_fn_${n}` : n;
    if (p.optional) lines.push(`${indent}${target} = ${n}`);
    lines.push(`${indent}${engine === 'async' ? 'async ' : ''}def ${fn}(**_kw: object) -> object:`);
    const callExpr = `${target}(${args.join(', ')})`;
    const value = engine === 'async' ? `await _aio.settle(${callExpr})` : callExpr;
    if (p.result.kind === 'void') lines.push(`${indent}    ${value}`, `${indent}    return None`);
    else lines.push(`${indent}    _answer = ${value}`, `${indent}    return ${encode(p.result, '_answer', scope)}`);
    lines.push(`${indent}_callbacks[${key}] = ${rt}.callback(${fn})`);
  });
  return lines;
}

function errorTable(m: CallMember, scope: TypeScope): string {
  const entries = m.throws.map((q) => {
    const d = scope.decl(q);
    return `${str(d.name)}: ${scope.qualify(q, declName(d))}.from_wire`;
  });
  return `{${entries.join(', ')}}`;
}

function clientMethod(s: ServiceDeclaration, member: Member, scope: TypeScope, engine: Engine): string[] {
  const m = member.m;
  const ns = str(s.namespace);
  const target = str(m.wireName);
  const rt = engine === 'async' ? '_aio' : '_rt';
  const aw = engine === 'async' ? 'await ' : '';
  const def = engine === 'async' ? 'async def' : 'def';
  const signature = clientSignature(member, scope, engine);
  const lines: string[] = [];
  if (m.kind === 'topic') {
    const item = pyType(m.type, scope);
    lines.push(`    ${def} ${member.name}(self) -> ${engine === 'async' ? 'AsyncIterator' : 'Iterator'}[${item}]:`);
    lines.push(...memberDoc(m, engine === 'async' ? 'Subscribes (a multipart call) at the first item asked for; yields each published value until the subscription ends.' : 'Subscribes now (a multipart call); the iterator yields each published value until the subscription ends.'));
    const parts = `${rt}.call_stream(self._channel, ${ns}, ${target}, {}, {}, {}, None)`;
    if (engine === 'async') lines.push(`        async for _part in ${parts}:`, `            yield ${decoder(m.type, scope)}(_part, ${str(m.name)})`);
    else lines.push(`        return (${decoder(m.type, scope)}(_part, ${str(m.name)}) for _part in ${parts})`);
    return lines;
  }
  if (m.kind === 'notify') {
    lines.push(`    ${def} ${member.name}(${signature}) -> None:`, ...memberDoc(m, 'A notification: sent, never answered.'));
    lines.push(...clientBody(member, scope, engine));
    lines.push(`        ${aw}${rt}.notify(self._channel, ${ns}, ${target}, _params)`);
    return lines;
  }
  const call = `${rt}.${m.result.kind === 'stream' ? 'call_stream' : 'call'}(self._channel, ${ns}, ${target}, _params, _callbacks, ${errorTable(m, scope)}, self._timeout)`;
  if (m.result.kind === 'stream') {
    const item = pyType(m.result.item, scope);
    lines.push(`    ${def} ${member.name}(${signature}) -> ${engine === 'async' ? 'AsyncIterator' : 'Iterator'}[${item}]:`);
    lines.push(...memberDoc(m, engine === 'async' ? 'A multipart result: the request goes out at the first item asked for.' : 'A multipart result: the request goes out now, the iterator yields each part.'));
    lines.push(...clientBody(member, scope, engine));
    if (engine === 'async') lines.push(`        async for _part in ${call}:`, `            yield ${decoder(m.result.item, scope)}(_part, 'result')`);
    else lines.push(`        return (${decoder(m.result.item, scope)}(_part, 'result') for _part in ${call})`);
    return lines;
  }
  const type = resultType(m.result.type, scope);
  lines.push(`    ${def} ${member.name}(${signature}) -> ${type}:`, ...memberDoc(m));
  lines.push(...clientBody(member, scope, engine));
  if (m.result.type.kind === 'void') lines.push(`        ${aw}${call}`);
  else lines.push(`        _result = ${aw}${call}`, `        return ${decoder(m.result.type, scope)}(_result, 'result')`);
  return lines;
}

function emitClient(s: ServiceDeclaration, members: readonly Member[], scope: TypeScope, engine: Engine): string[] {
  const names = serviceNames(s);
  const channel = engine === 'async' ? 'AsyncMsgChannel' : 'ThreadedMsgChannel';
  const lines = [`class ${engine === 'async' ? names.asyncClient : names.client}:`];
  lines.push(...docstring('    ', [s.doc, `The ${engine === 'async' ? 'asyncio' : 'threaded'} client of ${s.name} (namespace ${str(s.namespace)}).`, deprecatedNote(s)]), '');
  lines.push(`    NAMESPACE: ClassVar[str] = ${str(s.namespace)}`, '');
  lines.push(`    def __init__(self, channel: ${channel}, *, timeout: float | None = None) -> None:`);
  lines.push('        """Calls go over ``channel`` (made with ``sparrowrpc_typed.create_engine()`` for typed error fields); ``timeout`` in seconds, none by default."""');
  lines.push('        self._channel = channel', '        self._timeout = timeout');
  for (const member of members) lines.push('', ...clientMethod(s, member, scope, engine));
  return lines;
}

// ───────────────────────────── handlers ─────────────────────────────

function handlerParams(member: Member, scope: TypeScope, engine: Engine): string {
  const m = member.m;
  if (m.kind === 'topic') return '';
  const parts = m.params.map((p: Param, i) => {
    const n = member.params[i] ?? '';
    if (p.kind === 'value') {
      const type = pyType(p.type, scope);
      return `${n}: ${(p.optional && p.default === undefined) || p.default === null ? `${type} | None` : type}`;
    }
    if (p.kind === 'callback') {
      const type = callbackType(p, scope, (r) => (engine === 'async' ? `Awaitable[${r}]` : r));
      return `${n}: ${p.optional ? `${type} | None` : type}`;
    }
    const type = `${engine === 'async' ? 'AsyncIterator' : 'Iterator'}[${pyType(p.item, scope)}]`;
    return `${n}: ${type}`;
  });
  return parts.length === 0 ? '' : `, *, ${parts.join(', ')}`;
}

function emitHandler(s: ServiceDeclaration, members: readonly Member[], scope: TypeScope, engine: Engine): string[] {
  const names = serviceNames(s);
  const lines = [`class ${engine === 'async' ? names.asyncHandler : names.handler}(Protocol):`];
  const topics = members.filter((x) => x.m.kind === 'topic').map((x) => x.m.name);
  const note = topics.length > 0 ? `Topics (${topics.join(', ')}) have no handler: a Python peer subscribes to them but does not publish.` : undefined;
  lines.push(...docstring('    ', [s.doc, `What ${engine === 'async' ? 'an asyncio' : 'a threaded'} server implements for ${s.name}; export it with ${engine === 'async' ? names.registerAsync : names.register}().`, note]));
  let any = false;
  for (const member of members) {
    const m = member.m;
    if (m.kind === 'topic') continue;
    any = true;
    const params = `self, ctx: _c.CallContext, /${handlerParams(member, scope, engine)}`;
    let result: string;
    let asyncDef = engine === 'async';
    if (m.kind === 'notify') result = 'None';
    else if (m.result.kind === 'stream') {
      result = `${engine === 'async' ? 'AsyncIterable' : 'Iterable'}[${pyType(m.result.item, scope)}]`;
      asyncDef = false;
    } else result = resultType(m.result.type, scope);
    lines.push('', `    ${asyncDef ? 'async def' : 'def'} ${member.name}(${params}) -> ${result}:`);
    const doc = memberDoc(m);
    lines.push(...doc, '        ...');
  }
  if (!any) lines.push('', '    pass');
  return lines;
}

/** The body of one exported wrapper: context, auth, params, the call, the wire result. */
function wrapperBody(s: ServiceDeclaration, member: Member, scope: TypeScope, engine: Engine): string[] {
  const m = member.m as CallMember | NotifyMember;
  const rt = engine === 'async' ? '_aio' : '_rt';
  const aw = engine === 'async' ? 'await ' : '';
  const lines = [`        _ctx = _c.context_of(_params, ${str(s.namespace)}, ${str(m.wireName)})`];
  if (m.auth !== undefined) lines.push(`        _c.check_auth(_ctx, ${str(m.auth)}, authorize)`);
  const args: string[] = [];
  const decode: string[] = [];
  const after: string[] = [];
  m.params.forEach((p: Param, i) => {
    const n = member.params[i] ?? '';
    const local = `_p_${n}`;
    args.push(`${n}=${local}`);
    const path = str(`params`);
    if (p.kind === 'value') {
      decode.push(`            ${local} = ${readParam(p, '_params', path, scope)}`);
      return;
    }
    if (p.kind === 'stream') {
      decode.push(`            ${local} = ${rt}.pull(_params, ${str(p.wireName)}, ${decoder(p.item, scope)}, ${str(`params.${p.wireName}`)})`);
      return;
    }
    const proxy = `_cb_${n}`;
    const request = p.result.kind !== 'void';
    decode.push(`            ${proxy} = ${rt}.callback_proxy(_params, ${str(p.wireName)}, ${request ? 'True' : 'False'})`);
    if (!p.optional) decode.push(`            if ${proxy} is None:`, `                raise _v.SchemaValueError(${str(`params.${p.wireName}`)}, 'missing')`);
    const sig = p.params.map((q, j) => `_a${j}: ${callbackParamType(q, scope)}`).join(', ');
    // An optional callback param left as None is not sent.
    const wire = `{${p.params.map((q, j) => `${str(q.wireName)}: ${encode(q.type, `_a${j}`, scope)}`).join(', ')}}`;
    const absent = p.params.filter((q) => callbackParamType(q, scope).endsWith(' | None')).map((q) => str(q.wireName));
    const fn = `_call_${n}`;
    after.push(`        ${engine === 'async' ? 'async def' : 'def'} ${fn}(${sig}) -> ${resultType(p.result, scope)}:`);
    const sent = absent.length === 0 ? wire : `{_k: _x for _k, _x in ${wire}.items() if _x is not None or _k not in (${absent.join(', ')},)}`;
    if (request) after.push(`            return ${decoder(p.result, scope)}(${aw}${rt}.call_back(${proxy}, ${sent}, True), ${str(`${p.name} result`)})`);
    else after.push(`            ${aw}${rt}.call_back(${proxy}, ${sent})`);
    after.push(p.optional ? `        ${local} = None if ${proxy} is None else ${fn}` : `        ${local} = ${fn}`);
  });
  if (decode.length > 0) lines.push('        with _c.decoding():', ...decode);
  lines.push(...after);
  const call = `impl.${member.name}(_ctx${args.length > 0 ? `, ${args.join(', ')}` : ''})`;
  if (m.kind === 'call' && m.result.kind === 'stream') {
    lines.push('        with _c.raising():', `            _items = ${call}`);
    lines.push(`        return ${rt}.stream(_items, lambda _item: ${encode(m.result.item, '_item', scope)})`);
    return lines;
  }
  lines.push('        with _c.raising():');
  const type: TypeRef = m.kind === 'call' && m.result.kind === 'value' ? m.result.type : { kind: 'void' };
  if (type.kind === 'void') {
    lines.push(`            ${aw}${call}`, '        return None');
  } else {
    lines.push(`            _result = ${aw}${call}`, `        return ${encode(type, '_result', scope)}`);
  }
  return lines;
}

function emitRegister(s: ServiceDeclaration, members: readonly Member[], scope: TypeScope, engine: Engine): string[] {
  const names = serviceNames(s);
  const rt = engine === 'async' ? '_aio' : '_rt';
  const handler = engine === 'async' ? names.asyncHandler : names.handler;
  const lines = [
    `def ${engine === 'async' ? names.registerAsync : names.register}(impl: ${handler}, register: FunctionRegister | None = None, *, authorize: _c.Authorize | None = None) -> FunctionRegister:`,
  ];
  lines.push(
    ...docstring('    ', [
      `Exports every call and notification of ${s.name} from \`\`impl\`\` into \`\`register\`\` (default: the reference's default register, which channels use unless given others), in namespace ${str(s.namespace)} under the schema's wire names.`,
      'Params are checked against the schema first: a mismatch answers ``InvalidParams`` (cat r). A schema error raised by ``impl`` travels with its fields. ``@auth`` members are refused with ``PermissionDenied`` unless ``authorize`` allows the call. Returns the register.',
    ]),
  );
  lines.push('    _reg = register if register is not None else default_func_register');
  for (const member of members) {
    const m = member.m;
    if (m.kind === 'topic') continue;
    const fn = `_export_${member.name}`;
    lines.push('', `    ${engine === 'async' ? 'async def' : 'def'} ${fn}(**_params: object) -> object:`);
    lines.push(...wrapperBody(s, member, scope, engine));
    const multipart = m.kind === 'call' && m.result.kind === 'stream' ? 'True' : 'False';
    const special = (m.params as readonly Param[]).flatMap((p) =>
      p.kind === 'value' ? [] : [`${str(p.wireName)}: ${str(p.kind === 'stream' ? 'iterable' : p.result.kind === 'void' ? 'notification' : 'request')}`],
    );
    const tail = special.length > 0 ? `, {${special.join(', ')}}` : '';
    lines.push('', `    ${rt}.export(_reg, ${str(s.namespace)}, ${str(m.wireName)}, ${fn}, ${multipart}, ${m.auth === undefined ? 'None' : str(m.auth)}${tail})`);
  }
  lines.push('    return _reg');
  return lines;
}

/** Every top-level block of a service. */
export function emitService(s: ServiceDeclaration, scope: TypeScope): string[][] {
  const members = membersOf(s);
  return [
    emitClient(s, members, scope, 'threaded'),
    emitClient(s, members, scope, 'async'),
    emitHandler(s, members, scope, 'threaded'),
    emitHandler(s, members, scope, 'async'),
    emitRegister(s, members, scope, 'threaded'),
    emitRegister(s, members, scope, 'async'),
  ];
}

