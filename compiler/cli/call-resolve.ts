/**
 * From the name a user typed to what goes on the wire: `sparrowc call`
 * accepts every name its listing prints (`notes.get`, `hello_world`), the
 * system targets as `#sys.<name>`, and any name with `--namespace`. Also
 * the "did you mean" suggestions for names that match nothing.
 */
import { SYSTEM_NAMESPACE } from 'sparrow-rpc';
import { join, type ListedTarget, type PeerDescription } from './call-listing.ts';

/** Where a call goes. */
export interface ResolvedTarget {
  readonly namespace: string;
  readonly name: string;
  /** The listing's entry for it, when the peer describes itself and lists it. */
  readonly listed?: ListedTarget;
}

/**
 * Resolves `text`:
 * - with `--namespace` (non-empty), the target is `text` as written in it;
 * - `#ns.name` is a system namespace (`#sys.ping`): split at the first dot;
 * - a name the listing prints is the target it lists (`notes.get` is `get`
 *   in namespace `notes`; a dotted name exported as such stays whole);
 * - anything else is sent as written in the default namespace, as before
 *   (a peer that cannot describe itself still gets every name).
 */
export function resolveTarget(text: string, namespaceOption: string, description: PeerDescription | undefined): ResolvedTarget {
  const find = (namespace: string, name: string): ListedTarget | undefined =>
    description?.targets.find((t) => t.namespace === namespace && t.name === name);
  const resolved = (namespace: string, name: string): ResolvedTarget => {
    const listed = find(namespace, name);
    return listed === undefined ? { namespace, name } : { namespace, name, listed };
  };
  if (namespaceOption !== '') return resolved(namespaceOption, text);
  const dot = text.indexOf('.');
  if (text.startsWith('#') && dot > 1) return resolved(text.slice(0, dot), text.slice(dot + 1));
  const listed = description?.targets.find((t) => t.printed === text);
  if (listed !== undefined) return { namespace: listed.namespace, name: listed.name, listed };
  return resolved('', text);
}

/** `get in namespace notes`, `add in the default namespace`: how messages name a target. */
export function describeWhere(target: { namespace: string; name: string }): string {
  if (target.namespace === '') return `${target.name} in the default namespace`;
  if (target.namespace === SYSTEM_NAMESPACE) return `${target.name} in the system namespace ${SYSTEM_NAMESPACE}`;
  return `${target.name} in namespace ${target.namespace}`;
}

/**
 * The candidates closest to `text`, best first (at most three): the same
 * name in another namespace, a different case, then small edit distances.
 */
export function suggest(text: string, candidates: readonly string[]): string[] {
  const lower = text.toLowerCase();
  const lowerLast = lastPart(lower);
  // About one typo per four characters, at least one.
  const allowed = (length: number): number => Math.max(1, Math.floor(length / 4));
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === text) continue;
    const candidateLower = candidate.toLowerCase();
    let score: number;
    if (lastPart(candidate) === text || candidate.endsWith(`.${text}`)) score = 0;
    else if (candidateLower === lower || lastPart(candidateLower) === lower) score = 0.5;
    else {
      const whole = editDistance(lower, candidateLower);
      const last = editDistance(lowerLast, lastPart(candidateLower));
      if (whole <= allowed(lower.length)) score = whole;
      else if (last <= allowed(lowerLast.length)) score = last + 0.25;
      else continue;
    }
    scored.push({ candidate, score });
  }
  return scored
    .sort((a, b) => a.score - b.score || (a.candidate < b.candidate ? -1 : 1))
    .slice(0, 3)
    .map((s) => s.candidate);
}

/** `; did you mean notes.get?` (or `… or …`), or "" when nothing is close. */
export function didYouMean(text: string, candidates: readonly string[]): string {
  const close = suggest(text, candidates);
  return close.length === 0 ? '' : `; did you mean ${close.join(' or ')}?`;
}

/** Every name the listing prints, for suggestions. */
export function printedNames(description: PeerDescription | undefined): string[] {
  return description === undefined ? [] : description.targets.map((t) => t.printed);
}

function lastPart(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Edit distance where swapping two neighbours counts as one edit (optimal string alignment): `Itme` is one from `Item`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
