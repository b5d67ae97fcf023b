/**
 * The serialisers a link uses when it is given none: all three. Bundlers
 * targeting browsers replace this file by defaults-browser.ts (JSON only),
 * by the `browser` map in package.json.
 */
export { allSerialisers as defaultSerialisers } from './registry.ts';
