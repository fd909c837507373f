import type { LoggerService } from '@nestjs/common';

/** A LoggerService that keeps every line, at every level, to assert what was (not) logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; text: string }> = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }

  /** Lines (any level) that contain one of `secrets`. */
  leaking(secrets: readonly string[]): string[] {
    return this.lines.map((l) => l.text).filter((text) => secrets.some((secret) => text.includes(secret)));
  }

  private keep(level: string, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest]
      .map((part) =>
        part instanceof Error ? `${part.message}\n${part.stack}` : typeof part === 'string' ? part : safeJson(part),
      )
      .join(' ');
    this.lines.push({ level, text });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
