/**
 * Installs every part of the envelope codec (`EnvelopeParts`): the `b`
 * protocol and the fast framer. Imported for its effect by the Node entry
 * and the Node endpoints, so Node speaks everything the reference does at
 * full speed; a browser page that imports neither leaves both out of its
 * bundle.
 */
import { basicProtocol } from './basic.ts';
import { installEnvelopeParts } from './codec.ts';
import { fastFramer } from './fast-frame.ts';

installEnvelopeParts({ basic: basicProtocol, framer: fastFramer });
