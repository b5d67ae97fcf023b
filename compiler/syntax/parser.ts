/**
 * The `.sparrow` grammar as a chevrotain CST parser: rules are instance
 * properties, one parser instance is reused for every file, and error
 * recovery is on so one run reports many syntax errors. The CST becomes the
 * typed AST in `build-ast.ts`.
 *
 * Newlines are plain whitespace to the grammar: a separator between members
 * is optional here, and build-ast reports two members on one line with no
 * separator (`missing-separator`). That keeps the grammar LL(3).
 */
import { CstParser, EOF, tokenMatcher, type CstNode, type IParserErrorMessageProvider, type IToken, type TokenType } from './chevrotain.ts';
import {
  allTokens,
  At,
  Colon,
  Comma,
  Const,
  Dot,
  Enum,
  Equals,
  ErrorKw,
  FloatLiteral,
  Import,
  IntegerLiteral,
  LAngle,
  LBrace,
  LBracket,
  LParen,
  Name,
  Notify,
  Package,
  Pipe,
  Question,
  RAngle,
  RBrace,
  RBracket,
  RParen,
  Semicolon,
  Service,
  StringLiteral,
  Struct,
  Throws,
  Topic,
  Union,
} from './tokens.ts';

/** What each rule expects, for "Expected … but found …" messages. */
const ruleExpectations: Record<string, string> = {
  schemaFile: "a declaration ('package', 'import', 'const', 'enum', 'struct', 'error', 'union' or 'service')",
  statement: "a declaration ('package', 'import', 'const', 'enum', 'struct', 'error', 'union' or 'service')",
  member: "a service member (a method 'name(...)', 'notify name(...)' or 'topic name: Type')",
  value: 'a value (a number, a string, true, false, null, a name, [list] or {object})',
  objectKey: 'an object key (a name, a string or an integer)',
};

function describeToken(token: IToken | undefined): string {
  if (token === undefined || token.tokenType === EOF) return 'the end of the file';
  return `'${token.image.length > 30 ? `${token.image.slice(0, 30)}…` : token.image}'`;
}

function labelOf(tokenType: TokenType): string {
  return tokenType.LABEL ?? tokenType.name;
}

const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `Expected ${labelOf(expected)} but found ${describeToken(actual)}.`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `Expected ${ruleExpectations['statement'] ?? 'a declaration'} but found ${describeToken(firstRedundant)}.`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const expected = ruleExpectations[ruleName] ?? oneOf(expectedPathsPerAlt.flat().map((path) => path[0]));
    return `Expected ${expected} but found ${describeToken(actual[0])}.`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const expected = ruleExpectations[ruleName] ?? oneOf(expectedIterationPaths.map((path) => path[0]));
    return `Expected ${expected} but found ${describeToken(actual[0])}.`;
  },
};

function oneOf(types: readonly (TokenType | undefined)[]): string {
  const labels = [...new Set(types.filter((t): t is TokenType => t !== undefined).map(labelOf))];
  if (labels.length <= 1) return labels[0] ?? 'something else';
  return `${labels.slice(0, -1).join(', ')} or ${labels.at(-1) ?? ''}`;
}

/** The grammar. Construct once; set `input` and call `schemaFile()` per file. */
class SparrowParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: 'onlyOffset', errorMessageProvider });
    this.performSelfAnalysis();
  }

  /** A file: statements, with optional `;` between them. */
  public schemaFile = this.RULE('schemaFile', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.statement, { LABEL: 'statements' }) }, { ALT: () => this.CONSUME(Semicolon) }]);
    });
  });

  private statement = this.RULE('statement', () => {
    this.MANY(() => this.SUBRULE(this.attribute, { LABEL: 'attributes' }));
    this.OR([
      { ALT: () => this.SUBRULE(this.packageDecl, { LABEL: 'declaration' }) },
      { ALT: () => this.SUBRULE(this.importDecl, { LABEL: 'declaration' }) },
      { ALT: () => this.SUBRULE(this.constDecl, { LABEL: 'declaration' }) },
      { ALT: () => this.SUBRULE(this.enumDecl, { LABEL: 'declaration' }) },
      { ALT: () => this.SUBRULE(this.structDecl, { LABEL: 'declaration' }) },
      { ALT: () => this.SUBRULE(this.errorDecl, { LABEL: 'declaration' }) },
      { ALT: () => this.SUBRULE(this.unionDecl, { LABEL: 'declaration' }) },
      { ALT: () => this.SUBRULE(this.serviceDecl, { LABEL: 'declaration' }) },
    ]);
  });

  /** `@name` or `@name(value, ...)`. */
  private attribute = this.RULE('attribute', () => {
    this.CONSUME(At);
    this.CONSUME(Name, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.MANY(() => {
        this.SUBRULE(this.value, { LABEL: 'args' });
        this.OPTION2(() => this.CONSUME(Comma, { LABEL: 'separators' }));
      });
      this.CONSUME(RParen);
    });
  });

  private packageDecl = this.RULE('packageDecl', () => {
    this.CONSUME(Package, { LABEL: 'keyword' });
    this.SUBRULE(this.qualifiedName, { LABEL: 'name' });
  });

  private importDecl = this.RULE('importDecl', () => {
    this.CONSUME(Import, { LABEL: 'keyword' });
    this.CONSUME(StringLiteral, { LABEL: 'path' });
  });

  private constDecl = this.RULE('constDecl', () => {
    this.CONSUME(Const, { LABEL: 'keyword' });
    this.CONSUME(Name, { LABEL: 'name' });
    this.CONSUME(Colon);
    this.SUBRULE(this.type, { LABEL: 'type' });
    this.CONSUME(Equals);
    this.SUBRULE(this.value, { LABEL: 'value' });
  });

  private enumDecl = this.RULE('enumDecl', () => {
    this.CONSUME(Enum, { LABEL: 'keyword' });
    this.CONSUME(Name, { LABEL: 'name' });
    this.CONSUME(LBrace);
    this.MANY(() => {
      this.SUBRULE(this.enumMember, { LABEL: 'members' });
      this.OPTION(() => this.SUBRULE(this.separator, { LABEL: 'separators' }));
    });
    this.CONSUME(RBrace);
  });

  private enumMember = this.RULE('enumMember', () => {
    this.MANY(() => this.SUBRULE(this.attribute, { LABEL: 'attributes' }));
    this.CONSUME(Name, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(Equals);
      this.SUBRULE(this.value, { LABEL: 'value' });
    });
  });

  private structDecl = this.RULE('structDecl', () => {
    this.CONSUME(Struct, { LABEL: 'keyword' });
    this.CONSUME(Name, { LABEL: 'name' });
    this.SUBRULE(this.fieldBlock, { LABEL: 'body' });
  });

  private errorDecl = this.RULE('errorDecl', () => {
    this.CONSUME(ErrorKw, { LABEL: 'keyword' });
    this.CONSUME(Name, { LABEL: 'name' });
    this.SUBRULE(this.fieldBlock, { LABEL: 'body' });
  });

  private fieldBlock = this.RULE('fieldBlock', () => {
    this.CONSUME(LBrace);
    this.MANY(() => {
      this.SUBRULE(this.field, { LABEL: 'fields' });
      this.OPTION(() => this.SUBRULE(this.separator, { LABEL: 'separators' }));
    });
    this.CONSUME(RBrace);
  });

  /** A struct field or a param: `name?: type = default`. */
  private field = this.RULE('field', () => {
    this.MANY(() => this.SUBRULE(this.attribute, { LABEL: 'attributes' }));
    this.CONSUME(Name, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(Question, { LABEL: 'optional' }));
    this.CONSUME(Colon);
    this.SUBRULE(this.type, { LABEL: 'type' });
    this.OPTION2(() => {
      this.CONSUME(Equals);
      this.SUBRULE(this.value, { LABEL: 'default' });
    });
  });

  private unionDecl = this.RULE('unionDecl', () => {
    this.CONSUME(Union, { LABEL: 'keyword' });
    this.CONSUME(Name, { LABEL: 'name' });
    this.CONSUME(Equals);
    this.OPTION(() => this.CONSUME(Pipe));
    this.SUBRULE(this.qualifiedName, { LABEL: 'members' });
    this.MANY(() => {
      this.CONSUME2(Pipe);
      this.SUBRULE2(this.qualifiedName, { LABEL: 'members' });
    });
  });

  private serviceDecl = this.RULE('serviceDecl', () => {
    this.CONSUME(Service, { LABEL: 'keyword' });
    this.CONSUME(Name, { LABEL: 'name' });
    this.CONSUME(LBrace);
    this.MANY(() => {
      this.SUBRULE(this.member, { LABEL: 'members' });
      this.OPTION(() => this.SUBRULE(this.separator, { LABEL: 'separators' }));
    });
    this.CONSUME(RBrace);
  });

  /**
   * A service member. `notify`/`topic` followed by a name start a notify or a
   * topic; followed by `(` they are just a method's name.
   */
  private member = this.RULE('member', () => {
    this.MANY(() => this.SUBRULE(this.attribute, { LABEL: 'attributes' }));
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Notify, { LABEL: 'notify' });
          this.CONSUME(Name, { LABEL: 'name' });
          this.SUBRULE(this.paramList, { LABEL: 'params' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Topic, { LABEL: 'topic' });
          this.CONSUME2(Name, { LABEL: 'name' });
          this.CONSUME(Colon);
          this.SUBRULE(this.type, { LABEL: 'type' });
        },
      },
      {
        ALT: () => {
          this.CONSUME3(Name, { LABEL: 'name' });
          this.SUBRULE2(this.paramList, { LABEL: 'params' });
          this.OPTION(() => {
            this.CONSUME2(Colon);
            this.SUBRULE2(this.type, { LABEL: 'result' });
          });
          this.OPTION2(() => {
            this.CONSUME(Throws, { LABEL: 'throws' });
            this.SUBRULE(this.qualifiedName, { LABEL: 'errors' });
            this.MANY2({
              // A comma after a thrown error also separates members: it
              // continues the list only if what follows cannot start a member.
              GATE: () => this.continuesThrowsList(),
              DEF: () => {
                this.CONSUME(Comma);
                this.SUBRULE2(this.qualifiedName, { LABEL: 'errors' });
              },
            });
          });
        },
      },
    ]);
  });

  private paramList = this.RULE('paramList', () => {
    this.CONSUME(LParen);
    this.MANY(() => {
      this.SUBRULE(this.field, { LABEL: 'params' });
      this.OPTION(() => this.CONSUME(Comma, { LABEL: 'separators' }));
    });
    this.CONSUME(RParen);
  });

  private separator = this.RULE('separator', () => {
    this.OR([{ ALT: () => this.CONSUME(Comma) }, { ALT: () => this.CONSUME(Semicolon) }]);
  });

  /** `name`, `name<type, ...>` or `callback(params)` / `callback(params): type`. */
  private type = this.RULE('type', () => {
    this.SUBRULE(this.qualifiedName, { LABEL: 'name' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(LAngle);
            this.MANY(() => {
              this.SUBRULE(this.type, { LABEL: 'args' });
              this.OPTION2(() => this.CONSUME(Comma, { LABEL: 'separators' }));
            });
            this.CONSUME(RAngle);
          },
        },
        {
          ALT: () => {
            this.SUBRULE(this.paramList, { LABEL: 'params' });
            this.OPTION3(() => {
              this.CONSUME(Colon);
              this.SUBRULE2(this.type, { LABEL: 'result' });
            });
          },
        },
      ]);
    });
  });

  private qualifiedName = this.RULE('qualifiedName', () => {
    this.CONSUME(Name, { LABEL: 'parts' });
    this.MANY(() => {
      this.CONSUME(Dot);
      this.CONSUME2(Name, { LABEL: 'parts' });
    });
  });

  private value = this.RULE('value', () => {
    this.OR([
      { ALT: () => this.CONSUME(StringLiteral, { LABEL: 'string' }) },
      { ALT: () => this.CONSUME(FloatLiteral, { LABEL: 'float' }) },
      { ALT: () => this.CONSUME(IntegerLiteral, { LABEL: 'integer' }) },
      {
        ALT: () => {
          this.CONSUME(LBracket, { LABEL: 'list' });
          this.MANY(() => {
            this.SUBRULE(this.value, { LABEL: 'items' });
            this.OPTION(() => this.CONSUME(Comma, { LABEL: 'separators' }));
          });
          this.CONSUME(RBracket);
        },
      },
      {
        ALT: () => {
          this.CONSUME(LBrace, { LABEL: 'object' });
          this.MANY2(() => {
            this.SUBRULE(this.objectEntry, { LABEL: 'entries' });
            this.OPTION2(() => this.CONSUME2(Comma, { LABEL: 'separators' }));
          });
          this.CONSUME(RBrace);
        },
      },
      // true, false and null are names here, so they stay usable as names elsewhere.
      { ALT: () => this.SUBRULE(this.qualifiedName, { LABEL: 'reference' }) },
    ]);
  });

  private objectEntry = this.RULE('objectEntry', () => {
    this.SUBRULE(this.objectKey, { LABEL: 'key' });
    this.CONSUME(Colon);
    this.SUBRULE(this.value, { LABEL: 'value' });
  });

  private objectKey = this.RULE('objectKey', () => {
    this.OR([
      { ALT: () => this.CONSUME(Name, { LABEL: 'name' }) },
      { ALT: () => this.CONSUME(StringLiteral, { LABEL: 'string' }) },
      { ALT: () => this.CONSUME(IntegerLiteral, { LABEL: 'integer' }) },
    ]);
  });

  private continuesThrowsList(): boolean {
    if (!tokenMatcher(this.LA(1), Comma) || !tokenMatcher(this.LA(2), Name)) return false;
    const third = this.LA(3);
    if (tokenMatcher(third, LParen) || tokenMatcher(third, Colon) || tokenMatcher(third, Question)) return false;
    const second = this.LA(2);
    const startsMember = (tokenMatcher(second, Notify) || tokenMatcher(second, Topic)) && tokenMatcher(third, Name);
    return !startsMember;
  }
}

let parser: SparrowParser | undefined;

/** The parser's output for one token stream. */
export interface ParseOutput {
  /** One `schemaFile` CST per parse run; a run restarts after unparsable top-level text. */
  readonly csts: CstNode[];
  readonly errors: { readonly message: string; readonly token: IToken }[];
}

const topLevelStarts: readonly TokenType[] = [Package, Import, Const, Enum, Struct, ErrorKw, Union, Service, At];

/**
 * Parses a token stream. When the top level meets text that starts no
 * statement, it reports it once, skips to the next declaration keyword and
 * parses on, so later declarations still get checked.
 */
export function parseTokens(tokens: IToken[]): ParseOutput {
  parser ??= new SparrowParser();
  const csts: CstNode[] = [];
  const errors: { message: string; token: IToken }[] = [];
  let rest = tokens;
  // Each run consumes at least one token, so this terminates.
  while (rest.length > 0) {
    parser.input = rest;
    csts.push(parser.schemaFile());
    let redundant: IToken | undefined;
    for (const error of parser.errors) {
      if (error.name === 'NotAllInputParsedException') redundant = error.token;
      errors.push({ message: error.message, token: error.token });
    }
    if (redundant === undefined) break;
    const at = rest.indexOf(redundant);
    let next = at + 1;
    while (next < rest.length && !topLevelStarts.some((t) => tokenMatcher(rest[next] as IToken, t))) next++;
    rest = at < 0 ? [] : rest.slice(next);
  }
  return { csts, errors };
}
