/**
 * chevrotain, loaded from the single-file bundle the package ships
 * (`lib/chevrotain.mjs`) instead of its `exports` entry (`lib/src/api.js`).
 *
 * Why: the entry pulls in ~700 modules (chevrotain's sources and lodash-es,
 * one file per function). Loading them was the largest share of `sparrowc
 * check` start-up on a 2,000-method schema (about 0.9 s of module
 * resolution with plain node, more under a loader hook,
 * against 50–150 ms for the bundle). The bundle is the same release, built
 * by chevrotain itself. Every module of the compiler imports chevrotain's
 * values from here, never from 'chevrotain': token types carry ids from a
 * module-level counter, so two copies must never mix.
 */
import type * as Chevrotain from 'chevrotain';

// The package's `exports` map hides the bundle: reach it next to the resolved entry (lib/src/api.js → lib/chevrotain.mjs).
const bundleUrl = new URL('../chevrotain.mjs', import.meta.resolve('chevrotain')).href;
const chevrotain = (await import(bundleUrl)) as typeof Chevrotain;

export const { CstParser, EOF, Lexer, createToken, tokenMatcher } = chevrotain;
export type CstParser = Chevrotain.CstParser;
export type Lexer = Chevrotain.Lexer;
export type { CstNode, IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
