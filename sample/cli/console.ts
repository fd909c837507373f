import type { LoggerService } from '@nestjs/common';

/** Where the sample writes: `process.stdout` / `process.stderr`, or a buffer in tests. */
export interface Output {
  write(text: string): unknown;
  /** A terminal: progress is redrawn in place. Otherwise each progress report is a line of its own. */
  isTTY?: boolean;
}

/**
 * The sample's console: plain lines, plus one status line (the progress bar) that stays at the bottom of a
 * terminal while log lines scroll above it.
 */
export class Terminal {
  private status = '';
  private lastKey: string | undefined;

  constructor(readonly out: Output) {}

  /** Writes a line (above the status line, on a terminal). */
  line(text = ''): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  /**
   * Shows `text` as the status line: redrawn in place on a terminal; elsewhere (a pipe, a CI log) written as a
   * line of its own, but only when `key` changed, so a log file gets a few milestones rather than every redraw.
   */
  setStatus(text: string, key: string = text): void {
    if (this.out.isTTY) {
      this.clear();
      this.status = text;
      this.draw();
    } else if (key !== this.lastKey) {
      this.lastKey = key;
      this.out.write(`${text}\n`);
    }
  }

  /** Removes the status line. */
  endStatus(): void {
    this.clear();
    this.status = '';
    this.lastKey = undefined;
  }

  private clear(): void {
    if (this.out.isTTY && this.status) this.out.write('\r\x1b[2K');
  }

  private draw(): void {
    if (this.out.isTTY && this.status) this.out.write(this.status);
  }
}

const NEST_BOOT_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);
/** Nest's report of a bootstrap failure: the sample prints that error itself, once. */
const BOOT_FAILURE_CONTEXT = 'ExceptionHandler';

/**
 * A compact Nest logger for a command-line run: `level  Context  message`, no timestamps or pids, Nest's own
 * boot lines (module and route listing) and its duplicate report of a failed bootstrap dropped, debug and
 * verbose only with `--verbose`. Writes through the
 * Terminal so log lines never tear the progress bar.
 */
export class SampleLogger implements LoggerService {
  constructor(
    private readonly terminal: Terminal,
    private readonly errors: Output,
    private readonly showDebug = false,
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (context && NEST_BOOT_CONTEXTS.has(context)) return;
    this.terminal.line(format('log', context, message));
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.terminal.line(format('warn', contextOf(rest), message));
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes (message, stack?, context?): the stack only with --verbose.
    const context = contextOf(rest);
    if (context === BOOT_FAILURE_CONTEXT && !this.showDebug) return;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    this.terminal.endStatus();
    this.errors.write(`${format('error', context, message)}\n`);
    if (this.showDebug && stack) this.errors.write(`${stack}\n`);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.error(message, ...rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    if (this.showDebug) this.terminal.line(format('debug', contextOf(rest), message));
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    if (this.showDebug) this.terminal.line(format('verbose', contextOf(rest), message));
  }
}

function contextOf(rest: unknown[]): string | undefined {
  const last = rest.at(-1);
  return typeof last === 'string' ? last : undefined;
}

function format(level: string, context: string | undefined, message: unknown): string {
  const text =
    message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
  return `  ${level.padEnd(5)} ${(context ?? '').padEnd(20)} ${text}`;
}
