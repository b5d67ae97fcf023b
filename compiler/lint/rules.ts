/**
 * The lint rules, in the spirit of `buf lint`: each has a stable id, a
 * one-line rationale (printed in docs/language.md's table) and a check over
 * the checked model. Rules see only the files being linted.
 */
import type { Declaration, Named, Param, SchemaModel, ServiceMember, TypeRef } from '../model/model.ts';

/** How members, fields and params must be spelled. */
export type MemberCase = 'snake_case' | 'camelCase';

/** What a rule may read. */
export interface LintContext {
  readonly model: SchemaModel;
  readonly memberCase: MemberCase;
  /** The model paths of the files being linted. */
  readonly files: ReadonlySet<string>;
}

/** One finding of a rule, at a model element. */
export interface RuleFinding {
  readonly element: Named;
  readonly message: string;
}

/** A lint rule. */
export interface LintRule {
  readonly id: string;
  readonly rationale: string;
  /** Off unless `sparrow.json` turns it on. */
  readonly optIn?: boolean;
  check(context: LintContext): RuleFinding[];
}

const pascalCase = /^[A-Z][A-Za-z0-9]*$/;
const upperSnake = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const snakeCase = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const camelCase = /^[a-z][A-Za-z0-9]*$/;
const endWords = /\b(end|ends|ended|until|last|finish|finishes|complete|completes|closes|done|stops)\b/i;

/** Every declaration of the linted files. */
function declarations(context: LintContext): Declaration[] {
  return Object.values(context.model.declarations).filter((d) => context.files.has(d.location.file));
}

function services(context: LintContext): Extract<Declaration, { kind: 'service' }>[] {
  return declarations(context).filter((d): d is Extract<Declaration, { kind: 'service' }> => d.kind === 'service');
}

function paramsOf(member: ServiceMember): readonly Param[] {
  return member.kind === 'topic' ? [] : member.params;
}

function containsAny(type: TypeRef): boolean {
  switch (type.kind) {
    case 'any':
      return true;
    case 'list':
      return containsAny(type.element);
    case 'map':
      return containsAny(type.key) || containsAny(type.value);
    case 'tuple':
      return type.elements.some(containsAny);
    default:
      return false;
  }
}

/** Every named element below a declaration: members, params, fields, enum members. */
function* namedParts(declaration: Declaration): Generator<{ element: Named; what: string }> {
  if (declaration.kind === 'struct' || declaration.kind === 'error') for (const f of declaration.fields) yield { element: f, what: 'field' };
  if (declaration.kind === 'service') {
    for (const m of declaration.members) {
      yield { element: m, what: m.kind === 'call' ? 'method' : m.kind };
      for (const p of paramsOf(m)) {
        yield { element: p, what: 'param' };
        if (p.kind === 'callback') for (const q of p.params) yield { element: q, what: 'param' };
      }
    }
  }
}

/** Every rule, in the order the docs list them. */
export const lintRules: readonly LintRule[] = [
  {
    id: 'declaration-pascal-case',
    rationale: 'Types and services read as types in every language the schema is generated for.',
    check: (c) => declarations(c).filter((d) => d.kind !== 'const' && !pascalCase.test(d.name)).map((d) => ({ element: d, message: `${d.kind} '${d.name}' should be PascalCase` })),
  },
  {
    id: 'const-upper-snake-case',
    rationale: 'Constants stand out from fields and types where they are used as defaults.',
    check: (c) => declarations(c).filter((d) => d.kind === 'const' && !upperSnake.test(d.name)).map((d) => ({ element: d, message: `const '${d.name}' should be UPPER_SNAKE_CASE` })),
  },
  {
    id: 'member-case',
    rationale: 'Members, params and fields are spelled one way (snake_case by default, like the reference peer; `memberCase` chooses).',
    check: (c) => {
      const pattern = c.memberCase === 'snake_case' ? snakeCase : camelCase;
      return declarations(c).flatMap((d) => [...namedParts(d)].filter(({ element }) => !pattern.test(element.name)).map(({ element, what }) => ({ element, message: `${what} '${element.name}' should be ${c.memberCase}` })));
    },
  },
  {
    id: 'service-documented',
    rationale: 'A service is an API others call; its doc comment is the first thing they read (and it lands in the generated code).',
    check: (c) => services(c).filter((s) => s.doc === undefined).map((s) => ({ element: s, message: `service '${s.name}' has no doc comment` })),
  },
  {
    id: 'member-documented',
    rationale: 'Every method, notification and topic of a service says what it does.',
    check: (c) => services(c).flatMap((s) => s.members.filter((m) => m.doc === undefined).map((m) => ({ element: m, message: `${m.kind === 'call' ? 'method' : m.kind} '${s.name}.${m.name}' has no doc comment` }))),
  },
  {
    id: 'service-no-any',
    rationale: '`any` in a service signature gives callers no type and the compat check nothing to compare.',
    check: (c) =>
      services(c).flatMap((s) =>
        s.members.flatMap((m) => {
          const found: { element: Named; message: string }[] = [];
          if (m.kind === 'topic' && containsAny(m.type)) found.push({ element: m, message: `topic '${s.name}.${m.name}' carries 'any'` });
          if (m.kind === 'call' && containsAny(m.result.kind === 'value' ? m.result.type : m.result.item)) found.push({ element: m, message: `method '${s.name}.${m.name}' returns 'any'` });
          for (const p of paramsOf(m)) {
            const types = p.kind === 'value' ? [p.type] : p.kind === 'stream' ? [p.item] : [p.result, ...p.params.map((q) => q.type)];
            if (types.some(containsAny)) found.push({ element: p, message: `param '${p.name}' of '${s.name}.${m.name}' uses 'any'` });
          }
          return found;
        }),
      ),
  },
  {
    id: 'stream-end-documented',
    rationale: 'A caller of a `stream` result must know when it ends (after N items, when a job finishes, never until cancelled).',
    check: (c) =>
      services(c).flatMap((s) =>
        s.members.filter((m) => m.kind === 'call' && m.result.kind === 'stream' && !endWords.test(m.doc ?? '')).map((m) => ({ element: m, message: `method '${s.name}.${m.name}' returns a stream; say in its doc comment when the stream ends` })),
      ),
  },
  {
    id: 'deprecated-reason',
    rationale: '`@deprecated` without a reason leaves users guessing what to use instead.',
    check: (c) =>
      declarations(c).flatMap((d) =>
        [{ element: d as Named, what: d.kind as string }, ...namedParts(d), ...(d.kind === 'enum' ? d.members.map((m) => ({ element: m as Named, what: 'enum member' })) : [])]
          .filter(({ element }) => element.deprecated === '')
          .map(({ element, what }) => ({ element, message: `${what} '${element.name}' is @deprecated without a reason; say what to use instead` })),
      ),
  },
  {
    id: 'package-declared',
    rationale: 'A package keeps declaration names apart when schemas import each other.',
    check: (c) =>
      c.model.files
        .filter((f) => c.files.has(f.path) && f.package === '' && !f.system)
        .flatMap((f) => {
          const first = f.declarations[0] === undefined ? undefined : c.model.declarations[f.declarations[0]];
          return first === undefined ? [] : [{ element: first, message: `file '${f.path}' has no 'package' statement` }];
        }),
  },
  {
    id: 'error-suffix',
    optIn: true,
    rationale: 'An `error` declaration named `...Error` reads as one where it is thrown and caught.',
    check: (c) => declarations(c).filter((d) => d.kind === 'error' && !/(Error|Exception)$/.test(d.name)).map((d) => ({ element: d, message: `error '${d.name}' should end in 'Error'` })),
  },
];

/** Every rule id. */
export const lintRuleIds: ReadonlySet<string> = new Set(lintRules.map((r) => r.id));
