/**
 * The one table of every diagnostic `sparrowc` reports: code (kebab-case,
 * stable, shown as `[code]`), severity, and a typed message template. Add a
 * code here and its creator is typed from the template's parameters.
 */

/** A diagnostic's severity; any `error` makes a compilation fail. */
export type Severity = 'error' | 'warning';

interface MessageDefinition<P> {
  readonly severity: Severity;
  /** One line for the docs' diagnostics table. */
  readonly description: string;
  readonly message: (params: P) => string;
}

function define<P = Record<never, never>>(severity: Severity, description: string, message: (params: P) => string): MessageDefinition<P> {
  return { severity, description, message };
}

/** The params of a code with message variants: `messageId` picks the variant, the rest feed its template. */
type VariantParams<V> = { [K in keyof V]: V[K] extends (params: infer P) => string ? { readonly messageId: K } & P : never }[keyof V];

/**
 * A code whose message has variants, as TypeSpec's messages table has them:
 * one code, one severity, several typed templates chosen by `messageId`.
 * `wrap` adds what every variant shares (its params `E` are required too).
 */
function defineVariants<V extends Record<string, (params: never) => string>, E = Record<never, never>>(
  severity: Severity,
  description: string,
  variants: V,
  wrap: (text: string, params: E) => string = (text) => text,
): MessageDefinition<VariantParams<V> & E> & { readonly variants: V } {
  return {
    severity,
    description,
    variants,
    message: (params) => wrap((variants[params.messageId] as (p: VariantParams<V> & E) => string)(params), params),
  };
}

/** `value-type-mismatch` variants; every one names the `expected` type. */
const valueMismatch = {
  'null-not-allowed': () => 'null is allowed only for optional fields and params',
  'expected-kind': (p: { wanted: string; found: string }) => `expected ${p.wanted}, found ${p.found}`,
  'does-not-fit': (p: { text: string; type: string }) => `${p.text} does not fit ${p.type}`,
  'item-count': (p: { wanted: number; found: number }) => `expected ${p.wanted} items, found ${p.found}`,
  'map-key-not-integer': (p: { key: string }) => `map key '${p.key}' is not an integer`,
  'unknown-field': (p: { field: string }) => `it has no field '${p.field}'`,
  'no-literal': (p: { what: 'bytes' | 'void' | 'union' }) => (p.what === 'union' ? 'union values cannot be written as literals' : p.what === 'bytes' ? 'bytes have no literal form' : 'void has no values'),
  'missing-fields': (p: { fields: readonly string[] }) => `missing required field${p.fields.length > 1 ? 's' : ''} ${p.fields.map((m) => `'${m}'`).join(', ')}`,
  'unknown-member': (p: { type: string; member: string }) => `${p.type} has no member '${p.member}'`,
  'unknown-value': (p: { name: string }) => `'${p.name}' is not a known const or enum member`,
  'not-a-value': (p: { name: string; kind: string }) => `'${p.name}' is a ${p.kind}, not a value`,
  'const-type': (p: { name: string; type: string }) => `const '${p.name}' has type ${p.type}`,
  'unsafe-integer': (p: { text: string }) => `${p.text} is beyond a safe integer; type the value as int64`,
  'no-default': (p: { kind: string }) => `a ${p.kind} param cannot have a default`,
  'enum-value-not-integer': () => 'enum values are integer literals',
};

/** `invalid-type-arguments` variants. */
const typeArguments = {
  'not-callback': (p: { name: string }) => `'${p.name}' takes no parameter list; only 'callback(...)' does.`,
  'callback-needs-params': () => "'callback' needs a parameter list, e.g. callback(message: string).",
  'wrong-count': (p: { name: string; expected: string; example: string }) => `'${p.name}' takes ${p.expected}, e.g. ${p.example}.`,
  'no-type-arguments': (p: { name: string }) => `'${p.name}' takes no type arguments.`,
};

/** Every diagnostic code, with its severity and message template. */
export const diagnosticMessages = {
  // Lexical and syntax errors.
  'invalid-character': define<{ char: string }>('error', 'A character that starts no token.', (p) => `Invalid character '${p.char}'.`),
  'unterminated-string': define('error', 'A string literal with no closing quote on its line.', () => 'Unterminated string literal: missing closing \'"\' before the end of the line.'),
  'unterminated-comment': define('error', 'A block comment with no closing */.', () => "Unterminated block comment: missing '*/'."),
  'invalid-escape': define<{ escape: string }>('error', 'A string escape that JSON does not allow.', (p) => `Invalid escape sequence '${p.escape}' (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX).`),
  'invalid-number': define<{ text: string }>('error', 'A malformed numeric literal (e.g. a misplaced underscore).', (p) => `Invalid number '${p.text}'.`),
  'syntax-error': define<{ message: string }>('error', 'The text does not follow the grammar; says what was expected.', (p) => p.message),
  'nesting-too-deep': define<{ limit: number }>('error', 'Brackets nested deeper than the limit (checked before parsing, so no input can exhaust the stack).', (p) => `Nesting deeper than ${p.limit} levels; the rest of the file is not parsed.`),
  'missing-separator': define<{ what: string }>('error', 'Two members on one line with no , or ; between them.', (p) => `Missing separator: put ',' or ';' or a line break between ${p.what}.`),

  // Files, packages and imports.
  'file-not-found': define<{ path: string }>('error', 'A schema file named by the caller cannot be read.', (p) => `Cannot read schema file '${p.path}'.`),
  'import-not-found': define<{ path: string }>('error', 'An imported file cannot be read.', (p) => `Imported file '${p.path}' not found.`),
  'import-cycle': define<{ cycle: string }>('error', 'Files import each other in a loop.', (p) => `Import cycle: ${p.cycle}.`),
  'duplicate-import': define<{ path: string }>('warning', 'The same file is imported twice.', (p) => `'${p.path}' is already imported.`),
  'import-name-clash': define<{ name: string; other: string }>('error', 'An imported declaration has the same plain name as another one in scope.', (p) => `Imported name '${p.name}' clashes with ${p.other}.`),
  'package-not-first': define('error', '`package` must come before any import or declaration.', () => "'package' must be the first statement of the file."),
  'duplicate-package': define('error', 'More than one `package` in a file.', () => "A file may have only one 'package' statement."),

  // Names.
  'duplicate-name': define<{ kind: string; name: string }>('error', 'Two declarations, members, params, fields or enum members share a name.', (p) => `Duplicate ${p.kind} name '${p.name}'.`),
  'duplicate-wire-name': define<{ kind: string; name: string }>('error', 'Two members or fields map to the same wire name (via @wire).', (p) => `Duplicate ${p.kind} wire name '${p.name}'.`),
  'duplicate-enum-value': define<{ value: string; other: string }>('error', 'Two enum members share a value.', (p) => `Enum value ${p.value} is already used by '${p.other}'.`),
  'reserved-name': define<{ name: string }>('error', 'A declaration named like a built-in type.', (p) => `'${p.name}' is a built-in type name and cannot name a declaration.`),
  'ts-name-clash': define<{ name: string; tsName: string; other: string; renamed: string }>('warning', 'Two names map to the same TypeScript name; the later one is renamed.', (p) => `'${p.name}' and '${p.other}' both become '${p.tsName}' in TypeScript; '${p.name}' is generated as '${p.renamed}'.`),

  // Types.
  'unknown-type': define<{ name: string }>('error', 'A type name that is neither built in nor declared or imported.', (p) => `Unknown type '${p.name}'.`),
  'not-a-type': define<{ name: string; kind: string }>('error', 'A service or const used where a type is expected.', (p) => `'${p.name}' is a ${p.kind}, not a type.`),
  'invalid-type-arguments': defineVariants('error', 'Wrong number or kind of type arguments (e.g. `list<A, B>`, `int32<T>`).', typeArguments),
  'invalid-map-key': define<{ type: string }>('error', 'A map key that is not string or an integer type.', (p) => `Map keys must be 'string' or an integer type, not '${p.type}'.`),
  'stream-not-allowed': define<{ where: string }>('error', '`stream<T>` anywhere but a call result or a call param.', (p) => `'stream' cannot stand ${p.where}; it is allowed only as a method result or a method param type.`),
  'callback-not-allowed': define<{ where: string }>('error', '`callback(...)` anywhere but a call param.', (p) => `'callback' cannot stand ${p.where}; it is allowed only as the type of a method param.`),
  'void-not-allowed': define('error', '`void` anywhere but a result type.', () => "'void' is allowed only as a result type."),
  'union-member-not-struct': define<{ name: string }>('error', 'A union member that is not a struct.', (p) => `Union members must be structs; '${p.name}' is not.`),
  'throws-not-error': define<{ name: string }>('error', '`throws` names something that is not an `error` declaration.', (p) => `'${p.name}' is not an error declaration and cannot be thrown.`),

  // Values.
  'value-type-mismatch': defineVariants('error', 'A default or const value that does not fit its type.', valueMismatch, (text, p: { expected: string }) => `Value does not match type '${p.expected}': ${text}.`),
  'const-cycle': define<{ name: string }>('error', 'A const whose value refers back to itself.', (p) => `'${p.name}' is defined in terms of itself.`),
  'int-out-of-range': define<{ value: string; type: string; min: string; max: string }>('error', "An integer literal outside its type's range.", (p) => `${p.value} is out of range for ${p.type} (${p.min} to ${p.max}).`),
  'enum-value-required': define<{ name: string; value: number }>('error', 'An enum member without `= value`.', (p) => `Enum member '${p.name}' needs an explicit integer value ('${p.name} = ${p.value}' is free).`),

  // Attributes.
  'unknown-attribute': define<{ name: string }>('error', 'An attribute other than @namespace, @wire, @auth, @deprecated.', (p) => `Unknown attribute '@${p.name}' (known: @namespace, @wire, @auth, @deprecated).`),
  'invalid-attribute-target': define<{ name: string; target: string; allowed: string }>('error', 'An attribute placed where it means nothing.', (p) => `'@${p.name}' cannot be used on ${p.target}; it applies to ${p.allowed}.`),
  'invalid-attribute-argument': define<{ name: string; expected: string }>('error', 'Wrong arguments for an attribute.', (p) => `'@${p.name}' expects ${p.expected}.`),
  'duplicate-attribute': define<{ name: string }>('error', 'The same attribute twice on one target.', (p) => `'@${p.name}' is given more than once.`),
  'auth-without-groups': define('error', '`@auth` with no group (it would let nobody in).', () => "'@auth' needs at least one group, e.g. @auth(\"admin\")."),
  'reserved-namespace': define<{ namespace: string }>('error', 'A namespace starting with # (e.g. #sys) outside the system schema.', (p) => `Namespace '${p.namespace}' is reserved for the system schema (namespaces starting with '#').`),
  'invalid-namespace': define<{ namespace: string }>('error', 'A namespace that is not a plain name.', (p) => `Invalid namespace '${p.namespace}': use letters, digits, '_', '-' or '.'.`),

  // Warnings.
  'deprecated-reference': define<{ name: string; reason: string }>('warning', 'Use of a @deprecated declaration.', (p) => `'${p.name}' is deprecated${p.reason === '' ? '' : `: ${p.reason}`}.`),
} as const;

/** Every diagnostic code. */
export type DiagnosticCode = keyof typeof diagnosticMessages;

/** The message parameters a code's template needs. */
export type DiagnosticParams<C extends DiagnosticCode> = Parameters<(typeof diagnosticMessages)[C]['message']>[0];
