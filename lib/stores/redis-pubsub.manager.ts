import type { Logger } from '@nestjs/common';
// Type-only: nothing here may load ioredis at run time (it is an optional peer dependency).
import type { Redis } from 'ioredis';
import { WeComStoreError } from '../errors/wecom-store.error.js';
import { errorMessage } from '../internal/safe-error.util.js';
import { OWN_DISCONNECT_TIMEOUT_MS, type RedisConnection } from './redis-connection.manager.js';

type Handler = (message: string) => void;

/** The handlers of one channel and its SUBSCRIBE. */
export interface ChannelState {
  readonly handlers: Set<Handler>;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  readonly subscribed: Promise<unknown>;
}

/** One `subscribe` call in progress: lets the caller give up and learn what to undo. */
export interface SubscribeAttempt {
  /** Set by the caller once it gave up (timed out): the handler must then not be attached. */
  abandoned: boolean;
  /** Set once the handler was attached to this channel state. */
  state?: ChannelState;
}

/**
 * RedisStore's pub/sub: ONE subscriber connection (`client.duplicate()`, opened on the first subscribe) shared by
 * every channel and handler of the store, with one SUBSCRIBE per channel however many handlers listen.
 */
export class RedisPubSub {
  private subscriber?: Redis;
  private readonly channels = new Map<string, ChannelState>();

  /**
   * @param connection the main connection, duplicated for pub/sub.
   * @param logger where failing handlers and connection errors are logged.
   * @param scrub removes credentials from text that is logged.
   */
  constructor(
    private readonly connection: RedisConnection,
    private readonly logger: Logger,
    private readonly scrub: (text: string) => string,
  ) {}

  /** Attaches `handler` to `channel` (the full Redis channel name); resolves once Redis confirmed the SUBSCRIBE. */
  async add(channel: string, handler: Handler, attempt: SubscribeAttempt): Promise<void> {
    const subscriber = await this.subscriberConnection();
    if (attempt.abandoned) return;
    let state = this.channels.get(channel);
    if (!state) {
      // SUBSCRIBE is sent at once (ioredis keeps call order), so a later UNSUBSCRIBE never overtakes it.
      state = { handlers: new Set(), subscribed: subscriber.subscribe(channel) };
      state.subscribed.catch(() => undefined);
      this.channels.set(channel, state);
    }
    state.handlers.add(handler);
    attempt.state = state;
    await state.subscribed;
  }

  /**
   * Detaches `handler` (from `expected`, when given, only if it is still the channel's state); when it was the
   * channel's last, forgets the channel and returns the UNSUBSCRIBE.
   */
  remove(channel: string, handler: Handler, expected?: ChannelState): Promise<unknown> | undefined {
    const state = expected ?? this.channels.get(channel);
    if (!state) return undefined;
    state.handlers.delete(handler);
    if (state.handlers.size > 0 || this.channels.get(channel) !== state) return undefined;
    this.channels.delete(channel);
    const subscriber = this.subscriber;
    if (!subscriber) return undefined;
    const unsubscribed = subscriber.unsubscribe(channel);
    unsubscribed.catch(() => undefined);
    return unsubscribed;
  }

  /** Forgets every handler and drops the subscriber connection at once (nothing to flush on it). */
  close(): void {
    this.channels.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.disconnect();
  }

  private async subscriberConnection(): Promise<Redis> {
    if (this.subscriber) return this.subscriber;
    const client = await this.connection.connect();
    if (this.subscriber) return this.subscriber;
    if (this.connection.closed) throw new WeComStoreError('subscribe', 'the RedisStore is closed');
    // Whatever the main client says: subscriptions must queue until connected and come back after a reconnect,
    // or completion notices would silently stop arriving.
    const subscriber = client.duplicate({
      lazyConnect: false,
      enableOfflineQueue: true,
      autoResubscribe: true,
      disconnectTimeout: OWN_DISCONNECT_TIMEOUT_MS,
    });
    this.connection.watch(subscriber, 'pub/sub connection');
    subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
    this.subscriber = subscriber;
    return subscriber;
  }

  private dispatch(channel: string, message: string): void {
    const state = this.channels.get(channel);
    if (!state) return;
    for (const handler of [...state.handlers]) {
      try {
        handler(message);
      } catch (error) {
        // A failing handler must not stop the others, nor break ioredis's reply parsing (we run inside it).
        this.logger.error(`a subscriber of a store channel threw: ${this.scrub(errorMessage(error))}`);
      }
    }
  }
}
