/**
 * The words for the oddities decodeChain reports (`onWarning`): what the
 * reference would reject but whose meaning is clear, so the message is still
 * delivered. A codec part (`EnvelopeParts.warnings`): envelope/node-parts.ts
 * installs it, so Node reports every oddity; a page leaves it out of its
 * bundle and reads such messages without a report.
 */
import type { OddityTexts } from './codec.ts';

/** The texts of the oddities (give it to `installEnvelopeParts` as `warnings`). */
export const oddityTexts: OddityTexts = {
  'prefix': (prefix) => `HEAD chain with prefix ${JSON.stringify(prefix)} (ignored)`,
  'version': (protocol) => `0.1.2 envelope without "v" (read as "${String(protocol)}")`,
  'keys': (keys) => `extra envelope keys ${(keys as string[]).join(', ')} (ignored)`,
  'error': () => 'exception without an error map',
};
