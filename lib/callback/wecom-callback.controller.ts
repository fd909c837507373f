import { Controller, Delete, Get, Options, Patch, Post, Put, Req, Res, SetMetadata, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ServerResponse } from 'node:http';
import { readCallbackBody } from './callback-body.reader.js';
import { CALLBACK_ROUTE_CONFIG_KEY, FASTIFY_ROUTE_CONFIG_METADATA } from './callback.constants.js';
import type { WeComCallbackRequest, WeComCallbackResponse } from './callback.types.js';
import { WeComCallbackService } from './wecom-callback.service.js';

/** The parts of an Express or Fastify request the route reads. */
interface RouteRequest {
  method: string;
  url: string;
  originalUrl?: string;
  raw?: { url?: string };
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

/**
 * Route handlers of the callback endpoint; the path is bound per module registration below. The response is
 * written through Nest's HTTP adapter, so the same code serves Express and Fastify.
 */
abstract class WeComCallbackControllerBase {
  constructor(
    protected readonly callbacks: WeComCallbackService,
    protected readonly adapterHost: HttpAdapterHost,
  ) {}

  /** WeCom's URL verification: answers the bare decrypted echostr. */
  @Get()
  async verify(@Req() req: RouteRequest, @Res() res: unknown): Promise<void> {
    this.send(res, await this.callbacks.handleCallback(describe(req, undefined)));
  }

  /** An event delivery: answers 200 with an empty body once the event is recorded. */
  @Post()
  // Tells the module's Fastify body parsers that this route takes raw XML of any (or no) content type.
  @SetMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { [CALLBACK_ROUTE_CONFIG_KEY]: true })
  async receive(@Req() req: RouteRequest, @Res() res: unknown): Promise<void> {
    // A slow or aborted body comes back as an UnreadCallbackBody, answered by the pipeline (408 / 400).
    const body = await readCallbackBody(req, this.callbacks.maxBodyBytes, this.callbacks.bodyTimeoutMs);
    this.send(res, await this.callbacks.handleCallback(describe(req, body)));
  }

  // The other methods get 405 with `Allow: GET, POST` rather than the framework's 404 (HEAD stays the
  // framework's: it answers it from the GET route).
  /** 405. */
  @Put()
  async put(@Req() req: RouteRequest, @Res() res: unknown): Promise<void> {
    await this.refuseMethod(req, res);
  }

  /** 405. */
  @Patch()
  async patch(@Req() req: RouteRequest, @Res() res: unknown): Promise<void> {
    await this.refuseMethod(req, res);
  }

  /** 405. */
  @Delete()
  async delete(@Req() req: RouteRequest, @Res() res: unknown): Promise<void> {
    await this.refuseMethod(req, res);
  }

  /** 405 (an app with CORS enabled answers preflights before this route). */
  @Options()
  async options(@Req() req: RouteRequest, @Res() res: unknown): Promise<void> {
    await this.refuseMethod(req, res);
  }

  private async refuseMethod(req: RouteRequest, res: unknown): Promise<void> {
    this.send(res, await this.callbacks.handleCallback(describe(req, undefined)));
  }

  private send(res: unknown, answer: WeComCallbackResponse): void {
    if (res instanceof ServerResponse) {
      // Express (its response is Node's): write the answer directly. Its res.send() would compute an ETag and
      // re-encode the body first — work no WeCom answer needs, and the largest share of a refusal's cost in a
      // flood of forged deliveries. Node adds Content-Length itself, and omits the body of a HEAD answer.
      res.statusCode = answer.status;
      res.setHeader('Content-Type', answer.contentType);
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      res.end(answer.body);
      return;
    }
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(res, 'Content-Type', answer.contentType);
    for (const [name, value] of Object.entries(answer.headers ?? {})) adapter.setHeader(res, name, value);
    // `undefined`, not '': Express would otherwise add its own Content-Type for an empty string.
    adapter.reply(res, answer.body === '' ? undefined : answer.body, answer.status);
  }
}

/** The framework-neutral request `handleCallback()` takes. */
function describe(req: RouteRequest, body: unknown): WeComCallbackRequest {
  const url = req.raw?.url ?? req.originalUrl ?? req.url;
  const question = url.indexOf('?');
  const contentType = req.headers['content-type'];
  return {
    method: req.method,
    query: question < 0 ? '' : url.slice(question + 1),
    body,
    contentType: typeof contentType === 'string' ? contentType : undefined,
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
  };
}

/**
 * Creates the callback controller bound to `path`. The path is a synchronous extra of `forRoot`/`forRootAsync`,
 * so a class decorated per registration is the public, adapter-independent way to mount it (no rewriting of
 * Nest's route metadata after the fact).
 */
export function createWeComCallbackController(path: string): Type<unknown> {
  @Controller(path)
  class WeComCallbackController extends WeComCallbackControllerBase {
    constructor(callbacks: WeComCallbackService, adapterHost: HttpAdapterHost) {
      super(callbacks, adapterHost);
    }
  }
  return WeComCallbackController;
}
