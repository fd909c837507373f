import {
  getFromContainer,
  getMetadataStorage,
  ValidationTypes,
  Validator,
  type ValidationArguments,
  type ValidationError,
  type ValidatorConstraintInterface,
  type ValidatorOptions,
} from 'class-validator';
import type { WeComRowProblem } from '../../errors/wecom-row-validation.error.js';
import { closestKey } from '../../internal/closest-key.util.js';
import {
  declaredRule,
  QUOTED_CSV_GROUP,
  STRICT_CSV_GROUP,
  type RuleCheck,
  type RuleContext,
} from './wecom-rule.util.js';

type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];
/** A row class the validator can instantiate (`MemberRow`, `DepartmentRow` or a subclass of them). */
export type RowClass<T> = new () => T;

/** Options of the row validators. */
export interface RowValidationOptions {
  /**
   * Accept values that need RFC 4180 quoting (`,` `"` CR LF) and quote them in the CSV. Off by default because
   * WeCom's support for quoted cells is unconfirmed; such values are then reported as problems.
   * @default false
   */
  allowCsvQuoting?: boolean;
}

/** One property's decorators, resolved once: the ValidateIf/IsOptional conditions and the constraints. */
interface PropertyPlan {
  property: string;
  conditions: ((row: object, value: unknown) => boolean)[];
  checks: {
    constraint: ValidatorConstraintInterface;
    metadata: ValidationMetadata;
    each: boolean;
    validateIf?: (row: object, value: unknown) => boolean;
    /** The WeComRule behind the constraint (not for `each`): called directly, without ValidationArguments. */
    rule?: RuleCheck;
  }[];
}

/** The decorators of one class, compiled into a direct check, or `undefined` if they use unsupported features. */
interface CompiledPlan {
  properties: PropertyPlan[];
  /** Properties that have decorators; any other own key is forbidden (class-validator's forbidNonWhitelisted). */
  known: ReadonlySet<string>;
  targetName: string;
}

/**
 * Validates rows against the class-validator decorators of their class and turns failures into
 * {@link WeComRowProblem}s. class-validator is the source of every rule; this class only makes the common
 * case cheap:
 *
 * - The class's decorator metadata is read once from class-validator's metadata storage (the same list, same
 *   groups, that `validateSync` uses) and each row's values are run through those very constraint instances
 *   directly: no `plainToInstance`, no class instance, no `ValidationError` objects for a valid row. That
 *   costs about a tenth of `validateSync` per row.
 * - A row that fails any constraint there is instantiated and handed to class-validator's own `validateSync`,
 *   which decides and produces the messages. So the fast path can only ever be a shortcut for rows
 *   class-validator would accept; it never decides that a row is invalid by itself.
 * - If the class uses a feature the fast path does not mirror (nested or async validation), every row goes
 *   through `validateSync`.
 */
export class RowValidator<T extends object> {
  private readonly validator = new Validator();
  private readonly options: ValidatorOptions;
  private readonly plans = new Map<RowClass<T>, CompiledPlan | undefined>();

  constructor(
    private readonly target: RowClass<T>,
    options: RowValidationOptions = {},
  ) {
    this.options = {
      // `always` keeps the ungrouped rules; the group selects the strict-CSV rules or leaves them out.
      always: true,
      groups: [options.allowCsvQuoting ? QUOTED_CSV_GROUP : STRICT_CSV_GROUP],
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
    };
  }

  /**
   * The object the rules (and the CSV writer) read for `row`: the row itself when it is a plain object or an
   * instance of the row class, otherwise a row-class copy of its own enumerable properties (what
   * class-validator would validate), so validation and writing see the same values.
   */
  view(row: object): T {
    if (row instanceof this.target) return row;
    const proto: unknown = Object.getPrototypeOf(row);
    if (proto === Object.prototype || proto === null) return row as T;
    return Object.assign(new this.target(), row);
  }

  /**
   * Checks one row; appends its problems (if any) to `out` and returns whether it is valid. `row` should come
   * from {@link view}.
   */
  check(row: unknown, index: number, out: WeComRowProblem[]): boolean {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      out.push({ row: index, field: '(row)', message: `must be an object with the fields of ${this.target.name}` });
      return false;
    }
    const ctor = row instanceof this.target ? (row.constructor as RowClass<T>) : this.target;
    const plan = this.plan(ctor);
    if (plan && this.passes(plan, row)) return true;

    const instance = row instanceof this.target ? row : Object.assign(new this.target(), row);
    const errors = this.validator.validateSync(instance, this.options);
    if (errors.length === 0) return true;
    this.explain(instance as unknown as Record<string, unknown>, errors, index, out);
    return false;
  }

  /** The fields the row class declares (its decorated properties), for "did you mean …?" hints. */
  private fieldsOf(): Set<string> {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(this.target, '', true, false);
    return new Set(metadata.map((m) => m.propertyName));
  }

  private plan(ctor: RowClass<T>): CompiledPlan | undefined {
    if (this.plans.has(ctor)) return this.plans.get(ctor);
    const plan = compile(ctor, this.options);
    this.plans.set(ctor, plan);
    return plan;
  }

  /** Mirrors class-validator's ValidationExecutor for the metadata types compile() accepts. */
  private passes(plan: CompiledPlan, row: object): boolean {
    const values = row as Record<string, unknown>;
    // for…in rather than Object.keys: no array per row. It also sees inherited enumerable keys, which can only
    // send a row to validateSync (never let a bad one through).
    for (const key in row) if (!plan.known.has(key)) return false;
    const properties = plan.properties;
    for (let i = 0; i < properties.length; i++) {
      const p = properties[i];
      const value = values[p.property];
      let conditionsHold = true;
      for (const condition of p.conditions) conditionsHold = condition(row, value) && conditionsHold;
      if (!conditionsHold) continue;
      for (const c of p.checks) {
        if (c.validateIf && !c.validateIf(row, value)) continue;
        if (c.rule) {
          if (c.rule(value, values) !== true) return false;
          continue;
        }
        const args: ValidationArguments = {
          targetName: plan.targetName,
          property: p.property,
          object: row,
          value,
          constraints: c.metadata.constraints,
        };
        if (c.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) {
          for (const item of value instanceof Map ? value.values() : value) {
            if (c.constraint.validate(item, args) !== true) return false;
          }
        } else if (c.constraint.validate(value, args) !== true) {
          return false;
        }
      }
    }
    return true;
  }

  /** Turns class-validator's errors into problems, letting WeCom rules describe themselves precisely. */
  private explain(
    row: Record<string, unknown>,
    errors: ValidationError[],
    index: number,
    out: WeComRowProblem[],
    prefix = '',
  ): void {
    for (const error of errors) {
      const field = prefix + error.property;
      const constraints = error.constraints ?? {};
      if (constraints[ValidationTypes.WHITELIST]) {
        const meant = prefix === '' ? closestKey(error.property, this.fieldsOf()) : undefined;
        const hint = meant === undefined ? 'misspelt?' : `misspelt? did you mean \`${meant}\`?`;
        out.push({ row: index, field, message: `is not a field of ${this.target.name} (${hint})` });
        continue;
      }
      for (const [name, message] of Object.entries(constraints)) {
        const context = error.contexts?.[name] as (Partial<RuleContext> & { errcode?: number }) | undefined;
        const before = out.length;
        context?.wecomRule?.(row[error.property], row, (issue) =>
          out.push({
            row: index,
            field: field + issue.path,
            message: issue.message,
            ...(issue.errcode === undefined ? {} : { code: issue.errcode }),
          }),
        );
        if (out.length === before) {
          out.push({
            row: index,
            field,
            message,
            ...(context?.errcode === undefined ? {} : { code: context.errcode }),
          });
        }
      }
      // Nested objects (only in subclasses that add @ValidateNested fields): report their fields as `a.b`.
      const child = row[error.property];
      if (error.children?.length && typeof child === 'object' && child !== null) {
        this.explain(child as Record<string, unknown>, error.children, index, out, `${field}.`);
      }
    }
  }
}

function compile<T>(ctor: RowClass<T>, options: ValidatorOptions): CompiledPlan | undefined {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(
    ctor,
    undefined as unknown as string,
    options.always ?? false,
    options.strictGroups ?? false,
    options.groups,
  );
  const grouped = storage.groupByPropertyName(metadatas);
  const properties: PropertyPlan[] = [];
  for (const [property, list] of Object.entries(grouped)) {
    const plan: PropertyPlan = { property, conditions: [], checks: [] };
    for (const m of list) {
      switch (m.type) {
        case ValidationTypes.CONDITIONAL_VALIDATION:
          plan.conditions.push(m.constraints[0] as PropertyPlan['conditions'][number]);
          break;
        case ValidationTypes.WHITELIST:
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION:
          for (const c of storage.getTargetValidatorConstraints(m.constraintCls)) {
            if (c.async) return undefined;
            const rule = m.each ? undefined : declaredRule(m.context);
            plan.checks.push({
              constraint: getFromContainer(c.target) as ValidatorConstraintInterface,
              metadata: m,
              each: m.each,
              validateIf: m.validateIf,
              ...(rule ? { rule } : {}),
            });
          }
          break;
        default:
          // Nested or promise validation: leave every row to class-validator.
          return undefined;
      }
    }
    properties.push(plan);
  }
  return { properties, known: new Set(Object.keys(grouped)), targetName: ctor.name };
}
