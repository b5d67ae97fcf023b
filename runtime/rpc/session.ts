/**
 * The session part: what a connection knows about the other side beyond
 * single calls (docs/security.md).
 *
 * - Feature discovery: a side with `credentials` or `heartbeatMs` asks
 *   `#sys.features` once; a reference peer answers not-found, read as "no
 *   features", and is sent nothing else.
 * - `#sys.hello {features, [credentials]}`: the connecting side's
 *   extensions and credential, sent only to a peer listing `hello`.
 * - Authentication (`PeerOptions.authenticate`): runs on `#sys.hello`, or on
 *   the first other request; until it has, requests wait (only
 *   `#sys.features`, `#sys.ping`, `#sys.cancel` and `#sys.credit` pass). It
 *   gives the connection its `Identity`, or refuses: the waiting requests
 *   are answered `permission-denied` and the connection closes with a reason.
 * - Heartbeat: `#sys.ping` every `heartbeatMs` to a peer listing `heartbeat`;
 *   two silent intervals close the connection.
 * - Close reasons: `#sys.close {code, msg}` before closing, only to a peer
 *   listing `close-reason` (the 0.1.2 reference cannot parse it).
 */
import type { IncomingMessage, MessageLinkHandlers, NotificationMessage, Params, RequestMessage } from '../envelope/message.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { discoveryFeature } from './discovery.ts';
import { MAX_LOG_LINE, clipText } from './log-limit.ts';
import { defineFeature, type PeerCore, type SessionPart } from './features.ts';
import { SYSTEM_NAMESPACE } from './map-registry.ts';
import { sendResponse } from './outbox.ts';
import { peerExtensions } from './system-service.ts';
import type { Identity, PeerFeature } from './types.ts';

/** The extensions the session part adds to `#sys.features`. */
export const SESSION_EXTENSIONS: readonly string[] = /* @__PURE__ */ Object.freeze(['close-reason', 'heartbeat', 'hello']);

/** `#sys` targets a peer answers before authentication: they reveal nothing and reach no handler. */
const BEFORE_AUTHENTICATION = new Set(['features', 'ping', 'cancel', 'credit']);

/** Reason codes of `#sys.close` this side sends. */
export const CloseCode = /* @__PURE__ */ Object.freeze({
  /** `authenticate` refused the connection. */
  PermissionDenied: 'permission-denied',
  /** The listener is closing (graceful close): calls in flight still finish. */
  GoingAway: 'going-away',
  /** The other side stayed silent through two heartbeat intervals. */
  Timeout: 'timeout',
} as const);

type State = 'open' | 'waiting' | 'authenticating' | 'refused';

/** An identity as `authenticate` must return it; anything else is a refusal. */
function checkedIdentity(value: unknown): Identity {
  const candidate = value as Partial<Identity> | null | undefined;
  if (typeof candidate?.subject !== 'string' || !Array.isArray(candidate.groups) || !candidate.groups.every((group) => typeof group === 'string')) {
    throw new SparrowError(ErrorCode.InvalidState, 'authenticate must return {subject: string, groups: string[]}');
  }
  return Object.freeze({ subject: candidate.subject, groups: Object.freeze([...candidate.groups]) });
}

/** The identity a connection has without an `authenticate` hook: its verified TLS client certificate's CN. */
function certificateIdentity(core: PeerCore): Identity | undefined {
  const cn = core.options.connection?.peerCertificate?.subject['CN'];
  const subject = Array.isArray(cn) ? cn[0] : cn;
  return typeof subject === 'string' ? Object.freeze({ subject, groups: Object.freeze([]) }) : undefined;
}

class Session implements SessionPart {
  identity: Identity | undefined;
  /** The reason the other side gave before closing (`#sys.close`), if any. */
  private remoteReason: string | undefined = undefined;
  private readonly core: PeerCore;
  private state: State;
  private readonly held: IncomingMessage[] = [];
  /** Extensions the other side listed in its `#sys.hello`. */
  private helloFeatures: ReadonlySet<string> = new Set();
  private handshake: Promise<void> | undefined = undefined;
  private heard = true;
  private timer: ReturnType<typeof setInterval> | undefined = undefined;
  /** Routes a held message past the session, as the peer routes what arrives (the handler `guard` was given). */
  private release: (message: IncomingMessage) => void = () => {};

  constructor(core: PeerCore) {
    this.core = core;
    const { authenticate, heartbeatMs } = core.options;
    this.state = authenticate === undefined ? 'open' : 'waiting';
    this.identity = authenticate === undefined ? certificateIdentity(core) : undefined;
    if (heartbeatMs !== undefined && !(heartbeatMs > 0)) throw new SparrowError(ErrorCode.InvalidParams, `heartbeatMs must be a positive number (got ${String(heartbeatMs)})`);
    core.peer.onClose(() => this.stopHeartbeat());
  }

  remoteListed(extension: string): boolean {
    return this.core.parts.discovery?.has(extension) === true || this.helloFeatures.has(extension);
  }

  guard(handlers: MessageLinkHandlers): MessageLinkHandlers {
    this.release = handlers.onMessage;
    return {
      ...handlers,
      onMessage: (message, bytes) => {
        // (A message held until the hello is released without its length: a stream counts it as empty.)
        if (this.core.isClosed || this.admit(message)) handlers.onMessage(message, bytes);
      },
      onClose: (error) => {
        // A close the other side announced as graceful (going-away): the peer's close reason says so.
        const said = this.remoteReason;
        if (error === undefined && said !== undefined) this.core.terminate(this.core.closing(`closed (${said})`));
        handlers.onClose(error);
      },
      // The link's last word before it closes on its own: the reason, to a peer that listed close-reason.
      onClosing: (code, error) => this.sendReason(code, error.message),
    };
  }

  /** Every incoming message passes here first: false when the session took it (held, answered or consumed). */
  private admit(message: IncomingMessage): boolean {
    this.heard = true;
    if ((message.kind !== 'request' && message.kind !== 'notification') || message.callbackOf !== undefined) return true;
    if (message.namespace === SYSTEM_NAMESPACE) {
      if (message.target === 'close' && message.kind === 'notification') return this.onCloseNotice(message), false;
      if (message.target === 'hello' && message.kind === 'request') return this.onHello(message), false;
      if (BEFORE_AUTHENTICATION.has(message.target)) return true;
    }
    switch (this.state) {
      case 'open':
        return true;
      case 'refused':
        this.refuseOne(message, 'the connection was refused');
        return false;
      case 'waiting':
        this.held.push(message);
        void this.authenticate(undefined, undefined);
        return false;
      case 'authenticating':
        this.held.push(message);
        return false;
    }
  }

  ready(sayHello = true): Promise<void> {
    this.handshake ??= this.greet(sayHello);
    return this.handshake;
  }

  sendReason(code: string, message: string): void {
    if (this.core.isClosed || !this.remoteListed('close-reason')) return;
    try {
      this.core.peer.notify('close', { code, msg: message }, { namespace: SYSTEM_NAMESPACE });
    } catch (error) {
      this.core.logger.debug('sending #sys.close failed', error);
    }
  }

  closeWithReason(code: string, message: string): void {
    this.sendReason(code, message);
    this.core.terminate(this.core.closing(`closed: ${message}`));
  }

  /** The connecting side: features, heartbeat, then hello. */
  private async greet(sayHello: boolean): Promise<void> {
    const { credentials, heartbeatMs } = this.core.options;
    if (credentials === undefined && heartbeatMs === undefined) return;
    const features = await this.core.peer.remoteFeatures();
    this.startHeartbeat();
    if (!sayHello) return;
    if (!features.has('hello')) {
      if (credentials !== undefined) this.core.logger.warn(`credentials not sent: ${this.core.peer.remote} does not list the hello extension`);
      return;
    }
    const params: Params = { features: peerExtensions(this.core) };
    if (credentials !== undefined) params['credentials'] = credentials;
    const identity = await this.core.peer.call('hello', params, { namespace: SYSTEM_NAMESPACE });
    // Who the listener says we are (informational on this side): nothing when it has no identity for us.
    if (identity !== null && typeof identity === 'object') this.identity = checkedIdentity(identity);
  }

  /** `#sys.hello {features, [credentials]}` → `{subject, groups}` (or no result without an identity). */
  private onHello(message: IncomingMessage & RequestMessage): void {
    const params = message.params ?? {};
    const features = params['features'];
    if (Array.isArray(features)) this.helloFeatures = new Set(features.filter((item): item is string => typeof item === 'string'));
    if (this.remoteListed('heartbeat')) this.startHeartbeat();
    if (this.state === 'waiting') {
      void this.authenticate(params['credentials'], message);
      return;
    }
    if (this.state === 'refused') return this.refuseOne(message, 'the connection was refused');
    // Authentication ran already (or there is none): the identity is settled, a later credential changes nothing.
    this.answerHello(message);
  }

  private answerHello(message: IncomingMessage & RequestMessage): void {
    const identity = this.identity;
    const response = { kind: 'response', to: message.id, multipart: false, ack: false, hasResult: identity !== undefined } as const;
    sendResponse(this.core.outbox, identity === undefined ? response : { ...response, result: { subject: identity.subject, groups: [...identity.groups] } }, message.format);
  }

  private async authenticate(credentials: unknown, hello: (IncomingMessage & RequestMessage) | undefined): Promise<void> {
    this.state = 'authenticating';
    const { core } = this;
    try {
      const facts = core.options.connection ?? {};
      this.identity = checkedIdentity(await core.options.authenticate!({ ...facts, remote: core.peer.remote, credentials }));
    } catch (error) {
      // Only a typed refusal's message goes to the client; anything else may hold server details.
      const reason = error instanceof SparrowError && error.code === ErrorCode.PermissionDenied ? error.message : 'authentication failed';
      if (!(error instanceof SparrowError)) core.logger.warn(`authenticate threw for ${core.peer.remote}`, error);
      this.refuse(reason, hello);
      return;
    }
    if (core.isClosed) return;
    this.state = 'open';
    if (hello !== undefined) this.answerHello(hello);
    for (const message of this.held.splice(0)) this.release(message);
  }

  private refuse(reason: string, hello: (IncomingMessage & RequestMessage) | undefined): void {
    this.state = 'refused';
    this.core.logger.info(`connection from ${this.core.peer.remote} refused: ${reason}`);
    if (hello !== undefined) this.refuseOne(hello, reason);
    for (const message of this.held.splice(0)) this.refuseOne(message, reason);
    // Requests already read (the rest of this chunk) are answered too before the connection ends.
    setTimeout(() => this.closeWithReason(CloseCode.PermissionDenied, reason), 0);
  }

  private refuseOne(message: IncomingMessage, reason: string): void {
    if (message.kind === 'request') this.core.outbox.sendException(message.id, { cat: 'r', type: 'PermissionDenied', msg: reason }, message.format);
  }

  /** `#sys.close {code, msg}`: the other side says why it is about to close. */
  private onCloseNotice(message: IncomingMessage & NotificationMessage): void {
    const params = message.params ?? {};
    const code = typeof params['code'] === 'string' ? params['code'] : 'closing';
    const text = typeof params['msg'] === 'string' ? params['msg'] : '';
    // The other side's words, cut: they become the close reason every pending call fails with.
    this.remoteReason = clipText(`${code}${text === '' ? '' : `: ${text}`}`, MAX_LOG_LINE);
    // A graceful close lets calls in flight finish; any other reason ends the connection now.
    if (code !== CloseCode.GoingAway) {
      this.core.terminate(this.core.closing(`closed by the other side (${this.remoteReason})`));
    }
  }

  private startHeartbeat(): void {
    const interval = this.core.options.heartbeatMs;
    if (interval === undefined || this.timer !== undefined || this.core.isClosed || !this.remoteListed('heartbeat')) return;
    let pinged = false;
    this.timer = setInterval(() => {
      if (pinged && !this.heard) {
        this.closeWithReason(CloseCode.Timeout, `no message from ${this.core.peer.remote} in two heartbeat intervals (${interval} ms each)`);
        return;
      }
      this.heard = false;
      pinged = true;
      // Its answer is what proves the other side alive; its failure is the close's.
      this.core.peer.call('ping', undefined, { namespace: SYSTEM_NAMESPACE, timeoutMs: 0 }).catch(() => {});
    }, interval);
    // A heartbeat alone must not keep a Node process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private stopHeartbeat(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The session part as a peer feature (the Node endpoints give it to every
 * peer): it adds `close-reason`, `heartbeat` and `hello` to `#sys.features`
 * and reads its settings from `PeerOptions` (`authenticate`, `credentials`,
 * `heartbeatMs`, `connection`).
 */
export const sessionFeature: PeerFeature = /* @__PURE__ */ defineFeature('session', SESSION_EXTENSIONS, (core) => {
  // The handshake asks `#sys.features`.
  core.use([discoveryFeature]);
  return new Session(core);
});
