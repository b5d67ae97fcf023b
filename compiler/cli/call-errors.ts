/**
 * Why a `sparrowc call` failed, in the command's terms, and its exit code.
 * Errors are sorted by their code and class (never by their message text).
 */
import { ErrorCode, ResponseKindError, SparrowError } from 'sparrow-rpc';
import type { PeerDescription } from './call-listing.ts';
import { describeWhere, didYouMean, printedNames, type ResolvedTarget } from './call-resolve.ts';
import { formatResult } from './json-params.ts';

/** The exit codes of `sparrowc call`. */
export const CallExit = {
  ok: 0,
  /** The peer answered with an error, or not with what was asked for. */
  remoteError: 1,
  /** Connection failed or lost, timeout, or a usage error. */
  connection: 2,
  /** Ctrl-C. */
  interrupted: 130,
} as const;

/** What the command prints for a failure: `error: <text>`, then `hint: <hint>` when there is one. */
export interface CallFailure {
  readonly code: number;
  readonly text: string;
  readonly hint?: string;
}

/** What a failure is about. */
export interface FailureContext {
  readonly phase: 'mid-call' | 'mid-stream' | 'notify';
  /** The target as the user wrote it. */
  readonly what: string;
  readonly target?: ResolvedTarget;
  readonly description?: PeerDescription;
  readonly timeoutMs: number;
}

/** Codes a remote `r` maps to (the caller's fault, as the peer sees it). */
const CALLER_CODES: ReadonlySet<string> = new Set<string>([ErrorCode.InvalidParams, ErrorCode.TargetNotFound, ErrorCode.PermissionDenied, ErrorCode.CallerError]);

/** Sorts a failed call, stream or notification into its message and exit code. */
export function describeFailure(error: unknown, context: FailureContext): CallFailure {
  const e = SparrowError.from(error, ErrorCode.InvalidState);
  const { phase, what } = context;
  if (e instanceof ResponseKindError) {
    return e.multipart
      ? { code: CallExit.remoteError, text: `${what} answers with a multipart response: call it with --stream` }
      : { code: CallExit.remoteError, text: `${what} answers with a single response: call it without --stream` };
  }
  switch (e.code) {
    case ErrorCode.Timeout:
      return { code: CallExit.connection, text: `timed out after ${context.timeoutMs} ms waiting for ${phase === 'mid-stream' ? `the next part of ${what}` : what}` };
    case ErrorCode.ConnectionClosed:
      return { code: CallExit.connection, text: `connection lost ${phase === 'notify' ? 'before the notification was sent' : phase}: ${e.message}` };
    case ErrorCode.ConnectionFailed:
      return { code: CallExit.connection, text: `connection failed: ${e.message}` };
    case ErrorCode.ProtocolError:
      return { code: CallExit.remoteError, text: `protocol error: ${e.message}` };
    default: {
      const remote = remoteCategory(e);
      if (remote === undefined) return { code: CallExit.remoteError, text: `${e.code}: ${e.message}` };
      const text = formatRemoteError(e, remote);
      const hint = e.code === ErrorCode.TargetNotFound && context.target !== undefined ? notFoundHint(context.target, context.description) : undefined;
      return hint === undefined ? { code: CallExit.remoteError, text } : { code: CallExit.remoteError, text, hint };
    }
  }
}

/** Names where the call went and what the peer lists close to it. */
function notFoundHint(target: ResolvedTarget, description: PeerDescription | undefined): string {
  let hint = `the peer exports no ${describeWhere(target)}`;
  const printed = target.namespace === '' ? target.name : `${target.namespace}.${target.name}`;
  if (description !== undefined) return `${hint}${didYouMean(printed, printedNames(description))}`;
  const dot = target.name.indexOf('.');
  if (target.namespace === '' && dot > 0) {
    hint += `; if ${target.name.slice(0, dot)} is a namespace, call it with --namespace ${target.name.slice(0, dot)} ${target.name.slice(dot + 1)}`;
  }
  return hint;
}

/** The wire category of an error the remote peer sent, or undefined for a local failure. */
function remoteCategory(error: SparrowError): { cat: 'r' | 'e'; name: string } | undefined {
  if (error.code === ErrorCode.CalleeError && error.remoteType !== undefined) return { cat: 'e', name: 'callee error' };
  if (CALLER_CODES.has(error.code)) return { cat: 'r', name: 'caller error' };
  // limit-exceeded is also raised locally; only a remote one carries the wire type.
  if (error.code === ErrorCode.LimitExceeded && error.remoteType !== undefined) return { cat: 'r', name: 'caller error' };
  return undefined;
}

/** `callee error (cat e) RuntimeError: a == 11 is a server bug`, plus details and typed-error data when present. */
function formatRemoteError(error: SparrowError, remote: { cat: 'r' | 'e'; name: string }): string {
  const type = error.remoteType !== undefined && error.remoteType !== '' ? error.remoteType : pascalCase(error.code);
  let text = `${remote.name} (cat ${remote.cat}) ${type}: ${error.message}`;
  if (error.details !== undefined) text += `\n  details: ${error.details}`;
  if (error.data !== undefined) text += `\n  data: ${formatResult(error.data)}`;
  return text;
}

function pascalCase(code: string): string {
  return code.replace(/(^|-)([a-z])/g, (_m: string, _dash: string, letter: string) => letter.toUpperCase());
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
