// Nest apps in plain ESM JavaScript: decorators applied with Reflect.decorate (what TypeScript compiles
// `@Decorator` to), so the benchmarks need no compile step and load the BUILT package like any app.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { WeComBatchModule } from 'nestjs-wecom-batch';

/** What every benchmark app imports: the app's own EventEmitterModule, and WeComBatchModule with `options`. */
export function wecomImports(options) {
  return [EventEmitterModule.forRoot(), WeComBatchModule.forRoot(options)];
}

/** A root module class (`@Module({ imports, controllers }) class AppModule {}`), e.g. for an application context. */
export function rootModule({ imports = [], controllers = [] }) {
  class AppModule {}
  return decorateClass(AppModule, Module({ imports, controllers }));
}

/** `@decorators class X {}` */
export function decorateClass(cls, ...decorators) {
  Reflect.decorate(decorators, cls);
  return cls;
}

/** `@decorators method() {}` on `cls.prototype[name]`. */
export function decorateMethod(cls, name, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
  const result = Reflect.decorate(decorators, cls.prototype, name, descriptor);
  Object.defineProperty(cls.prototype, name, result ?? descriptor);
}

/** A parameter decorator (`@Req()`, `@Res()`) for parameter `index`, usable with decorateMethod. */
export function param(index, decorator) {
  return (target, key) => decorator(target, key, index);
}

/**
 * Boots `imports` + `controllers` on Express or Fastify, listening on 127.0.0.1 (`port` 0: any free one).
 * `beforeListen(app)` runs after creation (body parsers…).
 */
export async function bootApp({ adapter, imports = [], controllers = [], providers = [], port = 0, beforeListen }) {
  const moduleRef = await Test.createTestingModule({ imports, controllers, providers }).compile();
  const logger = ['error', 'warn'];
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  beforeListen?.(app);
  await app.listen(port, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url };
}
