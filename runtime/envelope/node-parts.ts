/**
 * Installs every part of the envelope codec (`EnvelopeParts`): the `b`
 * protocol, the fast framer, callback declarations and the warnings'
 * words. Imported for its effect by the Node entry and the Node endpoints,
 * so Node speaks everything the reference does at full speed and reports
 * every oddity; a browser page that imports neither leaves them out of its
 * bundle (`callbacksFeature` brings the declarations).
 */
import { basicProtocol } from './basic.ts';
import { installEnvelopeParts } from './codec.ts';
import { callbackDeclarations } from './declarations.ts';
import { fastFramer } from './fast-frame.ts';
import { oddityTexts } from './warnings.ts';

installEnvelopeParts({ basic: basicProtocol, framer: fastFramer, declarations: callbackDeclarations, warnings: oddityTexts });
