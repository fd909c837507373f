import { IMPORT_JOB_TYPES, type BatchImportHandler, type ImportEndpoint } from './batch-import.handler.js';
import type { DirectoryReadHandler } from './directory-read.handler.js';
import { EXPORT_JOB_TYPES, type ExportEndpoint, type ExportHandler } from './export.handler.js';
import type { InviteHandler } from './invite.handler.js';
import type { JobResultHandler } from './job-result.handler.js';
import type { MediaHandler } from './media.handler.js';
import { copyRaw } from './request-log.store.js';
import type { SimulatorAnswer, SimulatorResponder } from './simulator-faults.types.js';
import type { CorpState, HandlerRequest } from './simulator-state.types.js';
import type { RawSimulatorRequest } from './simulator.types.js';
import type { TokenHandler } from './token.handler.js';
import { WeComSimulatorError } from './wecom-simulator.error.js';

/** The handlers the router dispatches to, one per API family. */
export interface SimulatorHandlers {
  tokens: TokenHandler;
  media: MediaHandler;
  imports: BatchImportHandler;
  results: JobResultHandler;
  invites: InviteHandler;
  exports: ExportHandler;
  reads: DirectoryReadHandler;
  /** The simulator's base URL (export file URLs are built on it). */
  baseUrl: () => string;
}

/** An answer ready to be written: a JSON object or raw text, with an optional delay. */
export type RoutedAnswer = Required<Pick<SimulatorAnswer, 'status'>> &
  SimulatorAnswer & {
    /** The JSON text in pieces (big answers), written instead of `body`. */
    stream?: AsyncIterable<string>;
  };

/**
 * Processes one request to a served endpoint (or a path given a `respondWith()` responder): `gettoken`, else
 * the access-token check, then the endpoint's handler — or the responder that replaces it.
 */
export class SimulatorRouter {
  private readonly responders = new Map<string, SimulatorResponder>();

  constructor(private readonly handlers: SimulatorHandlers) {}

  /** Replaces (or, with undefined, restores) the processing of `name` after the token check. */
  respondWith(name: string, responder: SimulatorResponder | undefined): void {
    if (typeof name !== 'string' || !/^[a-z0-9_]+(\/[a-z0-9_]+)*$/i.test(name)) {
      throw new WeComSimulatorError('respondWith: the endpoint must be a path under /cgi-bin/, e.g. "user/get"');
    }
    if (responder !== undefined && typeof responder !== 'function') {
      throw new WeComSimulatorError('respondWith: the responder must be a function (or undefined)');
    }
    if (responder) this.responders.set(name, responder);
    else this.responders.delete(name);
  }

  /** True when `name` has a responder (so an otherwise unknown path is served). */
  hasResponder(name: string): boolean {
    return this.responders.has(name);
  }

  /** The answer to `name` (an endpoint, or a path with a responder). */
  async route(name: string, request: HandlerRequest & { entry: RawSimulatorRequest }): Promise<RoutedAnswer> {
    const { tokens } = this.handlers;
    const responder = this.responders.get(name);
    if (name === 'gettoken' && !responder) {
      const answer = tokens.getToken(request);
      const delayMs = answer.body.errcode === 0 ? tokens.answerDelayMs : 0;
      return { ...answer, delayMs };
    }
    if (name !== 'gettoken') {
      const check = tokens.check(request.query.access_token);
      if ('errcode' in check) return request.fail(check.errcode);
      request.entry.corpId = check.corp.options.corpId;
      if (!responder) return this.dispatch(name, check.corp, request);
    }
    request.entry.fault = 'answer';
    const answer = await (responder as SimulatorResponder)(copyRaw(request.entry));
    return { ...answer, status: answer?.status ?? 200 };
  }

  private dispatch(name: string, corp: CorpState, request: HandlerRequest): RoutedAnswer | Promise<RoutedAnswer> {
    const { media, results, invites, imports, exports, reads } = this.handlers;
    const { body, fail, entry } = request;
    if (name === 'media/upload') return media.upload(corp, request);
    if (name === 'batch/getresult') return results.getResult(corp, request);
    if (name === 'export/get_result') return exports.getResult(corp, request, this.handlers.baseUrl());
    if (name === 'department/simplelist') return reads.simpleList(corp, request);
    if (name === 'department/list') return reads.departmentList(corp, request);
    if (name === 'user/get') return reads.getUser(corp, request);

    if (!body.bytes) return fail(40058, 'request body too large');
    let json: unknown;
    try {
      json = body.bytes.length === 0 ? {} : JSON.parse(body.bytes.toString('utf8'));
    } catch {
      return fail(40058, 'Warning: wrong json format.');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return fail(40058, 'Warning: wrong json format.');
    }
    entry.body = json;
    if (name === 'batch/invite') return invites.invite(corp, json as Record<string, unknown>, fail);
    if (name === 'user/list_id') return reads.listIds(corp, json as Record<string, unknown>, fail);
    if (name === 'user/batchdelete') return reads.batchDelete(corp, json as Record<string, unknown>, fail);
    if (name in EXPORT_JOB_TYPES) {
      return exports.submit(corp, name as ExportEndpoint, json as Record<string, unknown>, fail);
    }
    if (name in IMPORT_JOB_TYPES)
      return imports.submit(corp, name as ImportEndpoint, json as Record<string, unknown>, fail);
    return fail(48001, `api forbidden: unknown api /cgi-bin/${name}`);
  }
}
