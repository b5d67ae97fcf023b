/**
 * What a Node process gives every peer, installed when this module is
 * imported (the Node endpoints and the worker peers import it): every part
 * of a peer, since a server answers whatever the other side calls; the
 * fast id table of outgoing calls (`IdTable`); links
 * with their budgets and deadlines; and a plain `reconnect` object. A
 * browser bundle never imports this, so it carries only the parts it names.
 */
import '../platform/node.ts';
import { setCallStore } from '../rpc/call-table.ts';
import { IdTable } from '../rpc/id-table.ts';
import { ALL_PEER_FEATURES, setDefaultPeerFeatures } from '../rpc/peer.ts';
import { createMessageLink } from './message-link.ts';
import { setEndpointParts } from './open-peer.ts';
import { withReconnect } from './reconnecting-peer.ts';

setDefaultPeerFeatures(ALL_PEER_FEATURES);
setCallStore(() => new IdTable());
setEndpointParts({ link: createMessageLink, reconnect: withReconnect });
