import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A precise finding of a rule, below the decorated property. */
export interface RuleIssue {
  /** Appended to the property name: `''` for the property itself, `'[2]'`, `'.年龄'`. */
  path: string;
  /** Short reason, never the value. */
  message: string;
  /** The WeCom errcode this problem would cause, when one is known. */
  errcode?: number;
}

/** Receives the findings of a rule when it is asked to explain itself. */
export type RuleReporter = (issue: RuleIssue) => void;

/**
 * A WeCom rule: returns whether `value` (the property of `row`) is acceptable. When `report` is given it also
 * describes every problem. The verdict and the explanation come from the same code so they cannot disagree:
 * class-validator calls it without a reporter (fast), the error path calls it again with one.
 */
export type RuleCheck = (value: unknown, row: Record<string, unknown>, report?: RuleReporter) => boolean;

/** What a rule decorator stores as class-validator `context`, so an error can be explained precisely. */
export interface RuleContext {
  wecomRule: RuleCheck;
}

/** The class-validator group of the rules that reject values which would need CSV quoting. */
export const STRICT_CSV_GROUP = 'wecom-batch:strict-csv';
/** A group no rule uses: validating with it (plus `always`) leaves the strict-CSV rules out. */
export const QUOTED_CSV_GROUP = 'wecom-batch:quoted-csv';

/**
 * The metadata `context` objects {@link WeComRule} made. Their constraint's `validate(value, args)` is exactly
 * `context.wecomRule(value, args.object)`, so RowValidator calls the rule directly and skips building a
 * ValidationArguments object per property per row; any other constraint (a user's, even with such a key in its
 * context) goes through class-validator's own call.
 */
const DECLARED_CONTEXTS = new WeakSet<object>();

/** The rule behind a constraint's metadata `context` when {@link WeComRule} declared it, else `undefined`. */
export function declaredRule(context: unknown): RuleCheck | undefined {
  return typeof context === 'object' && context !== null && DECLARED_CONTEXTS.has(context)
    ? (context as RuleContext).wecomRule
    : undefined;
}

/**
 * Declares a WeCom rule as a class-validator decorator. The rule is a plain function so that it can describe
 * each problem (field path, errcode) when the row is invalid; class-validator decides validity and runs it.
 */
export function WeComRule(name: string, check: RuleCheck, options?: ValidationOptions): PropertyDecorator {
  const context: RuleContext = { wecomRule: check };
  const metadataContext = { ...(options?.context as object), ...context };
  DECLARED_CONTEXTS.add(metadataContext);
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value, args) => check(value, args?.object as Record<string, unknown>),
        defaultMessage: (args) => {
          let first: string | undefined;
          if (args) check(args.value, args.object as Record<string, unknown>, (i) => (first ??= i.message));
          return first ?? 'is invalid';
        },
      },
    },
    { ...options, context: metadataContext },
  ) as PropertyDecorator;
}

/** Largest value of WeCom's unsigned 32-bit ids and orders (range [0, 2^32)). */
export const MAX_UINT32 = 0xffff_ffff;

/** Characters that make a CSV cell need quoting (RFC 4180). */
const CSV_SPECIAL = /[,"\r\n]/;

/** True when `s` contains a character that would need RFC 4180 quoting. */
export function needsCsvQuoting(s: string): boolean {
  return CSV_SPECIAL.test(s);
}

/** Names the first CSV-special character of `s`, for messages that must not quote the value. */
export function describeCsvSpecial(s: string): string {
  const m = CSV_SPECIAL.exec(s);
  const names: Record<string, string> = {
    ',': 'a comma',
    '"': 'a double quote',
    '\r': 'a carriage return',
    '\n': 'a line break',
  };
  return m ? names[m[0]] : 'nothing special';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * False for strings with unpaired UTF-16 surrogates: UTF-8 encoding would silently replace them with U+FFFD,
 * so the uploaded value would differ from the one given.
 */
export function isWellFormedText(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !LONE_SURROGATE.test(s);
}

/** Length in Unicode characters (code points), which is what WeCom's "字" limits count. */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** Length of `s` in UTF-8 bytes. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** `x` is an integer in [min, MAX_UINT32]. */
export function isUint32(x: unknown, min = 0): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= MAX_UINT32;
}

/** Limits and character rules of a text column (see {@link textRule}). */
export interface TextRuleOptions {
  min: number;
  max: number;
  /** What the limits count: characters (code points) or UTF-8 bytes. */
  unit: 'chars' | 'bytes';
  /** A second limit in UTF-8 bytes, when WeCom has both (department names: ≤32 chars and ≤64 bytes). */
  maxBytes?: number;
  errcode?: number;
  /** Errcode of the byte limit, when it differs. */
  bytesErrcode?: number;
  /** What an allowed string looks like, and what to say when it does not. */
  pattern?: { matches: RegExp | ((s: string) => boolean); message: string; errcode?: number };
  /** Characters WeCom refuses, and what to say. */
  forbidden?: { regex: RegExp; message: string; errcode?: number };
  /** Message when the value is missing (for required fields); omit for optional fields. */
  required?: { message: string; errcode?: number };
}

/**
 * A text rule: string, well-formed Unicode, length within limits, optional pattern and forbidden characters,
 * no surrounding whitespace (WeCom is not documented to keep it, and the module never trims for you). Every
 * failing aspect is reported, each with its errcode.
 */
export function textRule(o: TextRuleOptions): RuleCheck {
  const unitName = o.unit === 'chars' ? 'characters' : 'bytes';
  const range = o.min === 0 ? `at most ${o.max} ${unitName}` : `${o.min}–${o.max} ${unitName}`;
  const pattern = o.pattern?.matches;
  const matches = pattern instanceof RegExp ? (s: string) => pattern.test(s) : pattern;
  return (value, _row, report) => {
    if (value === undefined || value === null) {
      if (!o.required) return true;
      report?.({ path: '', message: o.required.message, errcode: o.required.errcode });
      return false;
    }
    if (typeof value !== 'string') {
      report?.({ path: '', message: `must be a string of ${range}`, errcode: o.errcode });
      return false;
    }
    let ok = true;
    const len = o.unit === 'chars' ? charLength(value) : utf8Length(value);
    if (len < o.min || len > o.max) {
      ok = false;
      if (!report) return false;
      report({ path: '', message: `must be ${range} (is ${len})`, errcode: o.errcode });
    }
    if (o.maxBytes !== undefined) {
      const bytes = utf8Length(value);
      if (bytes > o.maxBytes) {
        ok = false;
        if (!report) return false;
        report({
          path: '',
          message: `must be at most ${o.maxBytes} UTF-8 bytes (is ${bytes})`,
          errcode: o.bytesErrcode,
        });
      }
    }
    if (o.pattern && matches && len > 0 && !matches(value)) {
      ok = false;
      if (!report) return false;
      report({ path: '', message: o.pattern.message, errcode: o.pattern.errcode ?? o.errcode });
    }
    if (o.forbidden && o.forbidden.regex.test(value)) {
      ok = false;
      if (!report) return false;
      report({ path: '', message: o.forbidden.message, errcode: o.forbidden.errcode ?? o.errcode });
    }
    if (!isWellFormedText(value)) {
      ok = false;
      if (!report) return false;
      report({ path: '', message: 'contains an unpaired UTF-16 surrogate (not valid Unicode text)' });
    }
    if (!isTrimmed(value)) {
      ok = false;
      if (!report) return false;
      report({ path: '', message: SURROUNDING_SPACE });
    }
    return ok;
  };
}

/** Why surrounding whitespace is refused rather than trimmed: nothing is changed silently. */
export const SURROUNDING_SPACE = 'has leading or trailing whitespace, which the import may drop: trim it first';

/** False for text with leading or trailing whitespace (as `String.prototype.trim` sees it). */
export function isTrimmed(s: string): boolean {
  return s.length === 0 || s.trim().length === s.length;
}

/**
 * The strict-CSV rule (group {@link STRICT_CSV_GROUP}): a text value, or every key and value of an
 * extended-attribute record, must not contain `,` `"` CR or LF, because whether WeCom's importer honours
 * RFC 4180 quotes is unconfirmed. Values of other types are left to the field's own rule.
 */
export const csvSafeRule: RuleCheck = (value, _row, report) => {
  const advice = 'needs CSV quoting, which WeCom is not confirmed to support (remove it, or set allowCsvQuoting)';
  if (typeof value === 'string') {
    if (!needsCsvQuoting(value)) return true;
    report?.({ path: '', message: `contains ${describeCsvSpecial(value)}: that ${advice}` });
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return true;
  let ok = true;
  for (const [key, v] of Object.entries(value)) {
    if (needsCsvQuoting(key)) {
      ok = false;
      if (!report) return false;
      report({ path: `.${key}`, message: `the attribute name contains ${describeCsvSpecial(key)}: that ${advice}` });
    }
    if (typeof v === 'string' && needsCsvQuoting(v)) {
      ok = false;
      if (!report) return false;
      report({ path: `.${key}`, message: `contains ${describeCsvSpecial(v)}: that ${advice}` });
    }
  }
  return ok;
};

/** Declares {@link csvSafeRule} on a property; it only runs when quoting is not allowed. */
export function CsvSafe(): PropertyDecorator {
  return WeComRule('wecomCsvSafe', csvSafeRule, { groups: [STRICT_CSV_GROUP] });
}
