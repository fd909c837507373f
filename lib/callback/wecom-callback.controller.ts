import { Controller, Get, Header, Query, type Type } from '@nestjs/common';
import { WeComCallbackService, type WeComCallbackQuery } from './wecom-callback.service.js';

/** Route handlers of the callback endpoint; the path is bound per module registration below. */
abstract class WeComCallbackControllerBase {
  constructor(protected readonly callbacks: WeComCallbackService) {}

  /** WeCom's URL verification: answer the bare decrypted echostr. */
  @Get()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  verify(@Query() query: WeComCallbackQuery): string {
    return this.callbacks.verifyUrl(query);
  }
}

/**
 * Creates the callback controller bound to `path`. The path is a synchronous extra of `forRoot`/`forRootAsync`,
 * so a class decorated per registration is the public, adapter-independent way to mount it (no rewriting of
 * Nest's route metadata after the fact).
 */
export function createWeComCallbackController(path: string): Type<unknown> {
  @Controller(path)
  class WeComCallbackController extends WeComCallbackControllerBase {
    constructor(callbacks: WeComCallbackService) {
      super(callbacks);
    }
  }
  return WeComCallbackController;
}
