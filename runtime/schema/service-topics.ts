/**
 * Topics in the service glue (`topicGlue`): a generated client's
 * subscriptions (values decoded as read) and the exporter's publishers
 * (values encoded once per publish).
 */
import { SparrowError } from '../errors.ts';
import { streamsFeature } from '../rpc/streams.ts';
import { createTopic } from '../rpc/topic.ts';
import type { TopicGlue } from './definition.ts';

/** The topics part of the service glue; generated code passes it when the service has a topic. */
export const topicGlue: TopicGlue = {
  feature: streamsFeature,
  client: (member, { peer, namespace, decoder }) => {
    const decode = decoder(member.type, member.name);
    return {
      subscribe(handler, options = {}) {
        // A subscription stays open as long as it is wanted: no idle timeout.
        // `resubscribe`: a reconnecting peer opens it again after a drop.
        const stream = peer.callStream(member.name, {}, { namespace, timeoutMs: 0, resubscribe: true });
        let stopped = false;
        void (async () => {
          try {
            for await (const value of stream) handler(decode(value) as never);
          } catch (error) {
            if (!stopped) options.onError?.(SparrowError.from(error));
          }
        })();
        return () => {
          stopped = true;
          stream.cancel();
        };
      },
    };
  },
  publisher: (encode, options) => {
    const topic = createTopic<unknown>(options);
    return {
      handler: topic.handler,
      publisher: {
        publish: (value) => topic.publish(encode(value)),
        get subscriberCount() {
          return topic.subscriberCount;
        },
        close: () => topic.close(),
      },
    };
  },
};
