import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Readable } from 'node:stream';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { readLimited, UnreadCallbackBody } from './callback-body.reader.js';
import { CALLBACK_ROUTE_CONFIG_KEY, WECOM_CALLBACK_ROUTE_MOUNTED } from './callback.constants.js';

/** The few members of a Fastify request/instance used here (the library does not depend on fastify). */
interface FastifyRequestLike {
  headers: Record<string, string | string[] | undefined>;
  routeOptions?: { config?: Record<string, unknown>; bodyLimit?: number };
}
type Done = (error: Error | null, body?: unknown) => void;
interface FastifyInstanceLike {
  addContentTypeParser(
    type: string,
    options: Record<string, unknown>,
    parser: (request: FastifyRequestLike, payload: Readable, done: Done) => void,
  ): unknown;
  hasContentTypeParser(type: string): boolean;
  initialConfig?: { bodyLimit?: number };
}

const XML_TYPES = ['text/xml', 'application/xml'];
/** Fastify's own default `bodyLimit` (1 MiB), used when the instance does not report its own. */
const FASTIFY_DEFAULT_BODY_LIMIT = 1_048_576;

/**
 * Makes Fastify hand the callback route its raw body. Fastify parses only JSON and text/plain out of the box
 * and answers 415 to anything else before a route runs, including WeCom's `text/xml` deliveries and requests
 * without a Content-Type. On a Fastify app this registers, at module init (before the server listens):
 *
 * - `text/xml` and `application/xml` → a Buffer, for every route (so an app's own route that calls
 *   `handleCallback()` gets the body too). Skipped for a type the app already has a parser for.
 * - `*` (the catch-all, which Fastify also uses for a missing Content-Type) → only while the built-in callback
 *   route is mounted; on that route the raw Buffer, on every other route the same 415 as before.
 *
 * On the callback route the body is read up to `callbackMaxBodyBytes + 1` bytes and `callbackBodyTimeoutMs`
 * only, so an oversized, slow or aborted upload is answered by the pipeline (413 / 408 / 400, with its
 * `callback.rejected` event and `Connection: close`) without buffering it. Fastify's own `requestTimeout` is 0
 * (none) by default: set it for the app's other routes. On Express nothing is registered: the route reads the
 * request stream itself.
 */
@Injectable()
export class FastifyCallbackBodyParsers implements OnModuleInit {
  private readonly logger = new Logger('WeComCallbackBodyParsers');

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_CALLBACK_ROUTE_MOUNTED) private readonly routeMounted: boolean,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter || adapter.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyInstanceLike>();
    const serverLimit = fastify.initialConfig?.bodyLimit ?? FASTIFY_DEFAULT_BODY_LIMIT;
    for (const type of XML_TYPES) {
      if (fastify.hasContentTypeParser(type)) {
        this.logger.debug(`the app already parses ${type}; the callback route uses that parser's result`);
        continue;
      }
      this.add(fastify, type, (request, payload, done) => this.parse(request, payload, done, serverLimit, false));
    }
    if (this.routeMounted) {
      this.add(fastify, '*', (request, payload, done) => this.parse(request, payload, done, serverLimit, true));
    }
  }

  private parse(
    request: FastifyRequestLike,
    payload: Readable,
    done: Done,
    serverLimit: number,
    catchAll: boolean,
  ): void {
    const onCallbackRoute = request.routeOptions?.config?.[CALLBACK_ROUTE_CONFIG_KEY] === true;
    if (catchAll && !onCallbackRoute) {
      done(fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', `Unsupported Media Type: ${contentType(request)}`));
      return;
    }
    if (onCallbackRoute) {
      // Everything goes to the route, which answers it through the pipeline (413 / 408 / 400 with its event and a
      // rate-limited log line): a slow or aborted upload must not become an error Fastify logs with a stack.
      void readLimited(payload, this.options.callbackMaxBodyBytes, this.options.callbackBodyTimeoutMs).then((read) =>
        done(null, read instanceof UnreadCallbackBody ? read : read.body),
      );
      return;
    }
    readLimited(payload, request.routeOptions?.bodyLimit ?? serverLimit).then((read) => {
      // Other routes get Fastify's usual errors.
      if (read instanceof UnreadCallbackBody)
        done(fastifyError(400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'Request aborted'));
      else if (read.overflow) done(fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large'));
      else done(null, read.body);
    });
  }

  private add(
    fastify: FastifyInstanceLike,
    type: string,
    parser: Parameters<FastifyInstanceLike['addContentTypeParser']>[2],
  ): void {
    try {
      fastify.addContentTypeParser(type, {}, parser);
    } catch (error) {
      if ((error as { code?: string }).code === 'FST_ERR_CTP_ALREADY_PRESENT') {
        this.logger.debug(`the app already has a "${type}" content-type parser; keeping it`);
        return;
      }
      // E.g. registered after the server started: callbacks without an XML Content-Type would get 415.
      this.logger.warn(`could not register a "${type}" body parser for the WeCom callback route: ${String(error)}`);
    }
  }
}

function contentType(request: FastifyRequestLike): string {
  const value = request.headers['content-type'];
  return typeof value === 'string' ? value : '';
}

/**
 * Shaped like the errors of `@fastify/error` (constructor and name `FastifyError`, a string `code`, a numeric
 * `statusCode`) and of `http-errors` (`status`, `expose`): Nest's Fastify adapter and exception filter turn
 * those into the HTTP status they carry, exactly as for the 415/413 Fastify raises itself. A plain Error with a
 * `statusCode` would become a 500.
 */
class FastifyError extends Error {
  override readonly name = 'FastifyError';
  readonly status: number;
  readonly expose = true;

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.status = statusCode;
  }
}

function fastifyError(statusCode: number, code: string, message: string): Error {
  return new FastifyError(statusCode, code, message);
}
