/**
 * Request validation against a vendor's official Swagger 2.0 spec (DESIGN §5: "its requests are validated against the
 * vendor's official spec where `../shared/specs` has one").
 *
 * Terminology:
 * - operation: one `paths[template][method]` entry of a spec; requests are matched to it by method and path template;
 * - violation: a request that matches no operation, or breaks the operation's `parameters` (query, path, header,
 *   formData, body). A sandbox answers it with a 400 and records it, so connector tests fail on any non-conforming
 *   request our client sends.
 *
 * One ajv validator is compiled per operation and location, lazily on first use. `$ref`s point into the spec's
 * `definitions`. Form-encoded and multipart bodies declared as `in: body` (Marketo's Asset API does this) are decoded
 * field by field: a field whose schema is an object or array carries JSON text (`folder={"id":12,"type":"Folder"}`),
 * scalars are coerced from their string form by ajv. Specs are read at runtime and never copied into the project.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext the default import is `module.exports`, whose `.default` is the plugin.
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsModule as unknown as FormatsPlugin);

/** A request as a sandbox saw it, decoded just enough to validate. */
export interface SpecRequest {
  method: string;
  /** Path without the query string, e.g. `/rest/asset/v1/program/12.json`. */
  path: string;
  query: URLSearchParams;
  headers?: Record<string, string | string[] | undefined>;
  /** Media type of the body without parameters (`multipart/form-data`), absent when there is no body. */
  contentType?: string;
  /** Decoded form fields (urlencoded or multipart); file parts appear as their file name. */
  form?: Record<string, string | string[]>;
  /** Parsed JSON body. */
  json?: unknown;
}

export interface MatchedOperation {
  specName: string;
  operationId: string;
  method: string;
  /** The path template as the spec writes it (`/rest/asset/v1/program/{id}.json`). */
  template: string;
  pathParams: Record<string, string>;
}

export interface SpecValidationResult {
  /** Undefined when no operation of any loaded spec matches the method and path. */
  operation: MatchedOperation | undefined;
  /** Human-readable problems; empty when the request conforms. */
  errors: string[];
}

export interface SpecViolation {
  method: string;
  path: string;
  operation: string;
  errors: string[];
}

export interface OpenApiValidator {
  /** The loaded spec files, for logs. */
  readonly specNames: readonly string[];
  readonly operationCount: number;
  validate(req: SpecRequest): SpecValidationResult;
}

export interface ValidatorOptions {
  /** Query parameters accepted on every operation although no spec lists them (Marketo: `_method`). */
  globalQueryParams?: readonly string[];
  /** Reject query parameters and top-level form fields the operation does not declare (default true). */
  rejectUnknown?: boolean;
}

type SwaggerParameter = {
  name: string;
  in: 'query' | 'path' | 'header' | 'formData' | 'body';
  required?: boolean;
  type?: string;
  items?: AnySchemaObject;
  collectionFormat?: 'csv' | 'ssv' | 'tsv' | 'pipes' | 'multi';
  schema?: AnySchemaObject;
  [k: string]: unknown;
};
type SwaggerOperation = { operationId?: string; consumes?: string[]; parameters?: SwaggerParameter[] };
type SwaggerDoc = {
  swagger?: string;
  basePath?: string;
  consumes?: string[];
  paths: Record<string, Record<string, unknown>>;
  definitions?: Record<string, AnySchemaObject>;
};

interface CompiledOperation {
  specName: string;
  specId: string;
  method: string;
  template: string;
  operationId: string;
  regex: RegExp;
  paramNames: string[];
  literalLength: number;
  consumes: string[];
  parameters: SwaggerParameter[];
  validators?: {
    query: ValidateFunction;
    path: ValidateFunction;
    form?: ValidateFunction;
    body?: ValidateFunction;
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
/** Parameter keys that are Swagger's, not JSON Schema's. */
const NON_SCHEMA_KEYS = new Set([
  'name',
  'in',
  'description',
  'required',
  'collectionFormat',
  'allowEmptyValue',
]);
const SEPARATORS = { csv: ',', ssv: ' ', tsv: '\t', pipes: '|' } as const;

/**
 * Finds the shared specs directory: an explicit override (the caller passes `SWITCHBOARD_SPECS_DIR`), else
 * `../shared/specs` beside the repository root (the nearest ancestor holding `package.json`). Undefined when absent.
 */
export function resolveSpecsDir(override?: string): string | undefined {
  if (override) return existsSync(override) ? resolve(override) : undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const candidate = resolve(dir, '..', 'shared', 'specs');
      return existsSync(candidate) ? candidate : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Loads Swagger 2.0 files (absolute paths) into one validator. Throws if a file is missing or not Swagger 2.0. */
export function loadSwaggerValidator(
  files: readonly string[],
  opts: ValidatorOptions = {},
): OpenApiValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array', logger: false });
  addFormats(ajv, ['date-time', 'date', 'email', 'uri']);
  // Swagger's numeric and free-form formats; int32 is range-checked, the others only annotate.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => n >= -2147483648 && n <= 2147483647 });
  for (const f of ['int64', 'float', 'double', 'string', 'byte', 'binary', 'password'])
    ajv.addFormat(f, true);

  const operations: CompiledOperation[] = [];
  const specNames: string[] = [];
  for (const file of files) {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as SwaggerDoc;
    if (doc.swagger !== '2.0') throw new Error(`${file} is not a Swagger 2.0 document`);
    const specName = file.split(/[\\/]/).pop() ?? file;
    const specId = `spec:${specName}`;
    specNames.push(specName);
    ajv.addSchema({
      $id: specId,
      definitions: rewriteRefs(doc.definitions ?? {}, specId),
    } as AnySchemaObject);
    const base = doc.basePath && doc.basePath !== '/' ? doc.basePath.replace(/\/$/, '') : '';
    for (const [template, item] of Object.entries(doc.paths)) {
      const shared = (item['parameters'] as SwaggerParameter[] | undefined) ?? [];
      for (const method of METHODS) {
        const op = item[method] as SwaggerOperation | undefined;
        if (!op) continue;
        const full = base + template;
        const { regex, paramNames, literalLength } = compileTemplate(full);
        const own = op.parameters ?? [];
        const merged = [
          ...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)),
          ...own,
        ];
        operations.push({
          specName,
          specId,
          method: method.toUpperCase(),
          template: full,
          operationId: op.operationId ?? `${method.toUpperCase()} ${full}`,
          regex,
          paramNames,
          literalLength,
          consumes: op.consumes ?? doc.consumes ?? [],
          parameters: merged.map((p) => rewriteRefs(p, specId) as SwaggerParameter),
        });
      }
    }
  }
  // Literal segments win over parameters (`program/byName.json` before `program/{id}.json`).
  operations.sort((a, b) => a.paramNames.length - b.paramNames.length || b.literalLength - a.literalLength);

  const globalQuery = new Set(opts.globalQueryParams ?? []);
  const rejectUnknown = opts.rejectUnknown ?? true;

  return {
    specNames,
    operationCount: operations.length,
    validate(req) {
      const method = req.method.toUpperCase();
      let op: CompiledOperation | undefined;
      let m: RegExpExecArray | null = null;
      for (const candidate of operations) {
        if (candidate.method !== method) continue;
        m = candidate.regex.exec(req.path);
        if (m) {
          op = candidate;
          break;
        }
      }
      if (!op || !m) {
        return {
          operation: undefined,
          errors: [`no operation ${method} ${req.path} in ${specNames.join(', ')}`],
        };
      }
      const pathParams: Record<string, string> = {};
      op.paramNames.forEach((name, i) => (pathParams[name] = decodeURIComponent(m[i + 1] ?? '')));
      const operation: MatchedOperation = {
        specName: op.specName,
        operationId: op.operationId,
        method,
        template: op.template,
        pathParams,
      };
      return { operation, errors: validateAgainst(ajv, op, req, pathParams, globalQuery, rejectUnknown) };
    },
  };
}

function validateAgainst(
  ajv: Ajv,
  op: CompiledOperation,
  req: SpecRequest,
  pathParams: Record<string, string>,
  globalQuery: Set<string>,
  rejectUnknown: boolean,
): string[] {
  op.validators ??= compileValidators(ajv, op);
  const v = op.validators;
  const errors: string[] = [];
  const byIn = (where: SwaggerParameter['in']) => op.parameters.filter((p) => p.in === where);

  // Query: collect declared names, split collection formats; unknown names are violations (typos never pass silently).
  const query: Record<string, unknown> = {};
  for (const p of byIn('query')) {
    const values = req.query.getAll(p.name);
    if (values.length === 0) continue;
    query[p.name] =
      p.type === 'array' ? splitCollection(values, p.collectionFormat) : values[values.length - 1];
  }
  if (rejectUnknown) {
    const declared = new Set(byIn('query').map((p) => p.name));
    for (const name of new Set(req.query.keys())) {
      if (!declared.has(name) && !globalQuery.has(name))
        errors.push(`query parameter "${name}" is not in the spec`);
    }
  }
  if (!v.query(query)) errors.push(...formatErrors('query', v.query.errors));
  if (!v.path({ ...pathParams })) errors.push(...formatErrors('path', v.path.errors));

  const bodyParam = byIn('body')[0];
  const hasBody = req.form !== undefined || req.json !== undefined;
  if (hasBody && req.contentType && op.consumes.length > 0 && !op.consumes.includes(req.contentType)) {
    errors.push(`content-type ${req.contentType} is not one of ${op.consumes.join(', ')}`);
  }
  if (v.form) {
    const form = decodeFormFields(req.form ?? {}, byIn('formData'));
    if (rejectUnknown) errors.push(...unknownFields(req.form, new Set(byIn('formData').map((p) => p.name))));
    if (!v.form(form)) errors.push(...formatErrors('form', v.form.errors));
  } else if (bodyParam && v.body) {
    if (!hasBody) {
      if (bodyParam.required) errors.push('request body is required');
    } else {
      const schema = resolveSchema(ajv, bodyParam.schema ?? {});
      const body =
        req.form !== undefined ? decodeFormBody(req.form, schema, errors) : structuredClone(req.json);
      if (req.form !== undefined && rejectUnknown && schema?.['properties']) {
        errors.push(...unknownFields(req.form, new Set(Object.keys(schema['properties'] as object))));
      }
      if (!v.body(body)) errors.push(...formatErrors('body', v.body.errors));
    }
  } else if (hasBody && rejectUnknown && Object.keys(req.form ?? {}).length > 0) {
    errors.push('the operation declares no body, but the request has one');
  }
  return errors;
}

function compileValidators(ajv: Ajv, op: CompiledOperation): NonNullable<CompiledOperation['validators']> {
  const objectOf = (params: SwaggerParameter[]): AnySchemaObject => ({
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, paramSchema(p)])),
    required: params.filter((p) => p.required || p.in === 'path').map((p) => p.name),
  });
  const formParams = op.parameters.filter((p) => p.in === 'formData');
  const body = op.parameters.find((p) => p.in === 'body');
  return {
    query: ajv.compile(objectOf(op.parameters.filter((p) => p.in === 'query'))),
    path: ajv.compile(objectOf(op.parameters.filter((p) => p.in === 'path'))),
    ...(formParams.length > 0 ? { form: ajv.compile(objectOf(formParams)) } : {}),
    ...(body ? { body: ajv.compile(body.schema ?? {}) } : {}),
  };
}

/** A non-body parameter as a JSON Schema (Swagger keywords removed; a `file` is any string). */
function paramSchema(p: SwaggerParameter): AnySchemaObject {
  if (p.type === 'file') return { type: 'string' };
  const schema: AnySchemaObject = {};
  for (const [k, value] of Object.entries(p)) {
    if (!NON_SCHEMA_KEYS.has(k) && !k.startsWith('x-')) schema[k] = value;
  }
  return schema;
}

function splitCollection(values: string[], format: SwaggerParameter['collectionFormat']): string[] {
  if (format === 'multi') return values;
  const sep = SEPARATORS[format ?? 'csv'];
  return values.flatMap((v) => v.split(sep));
}

/** Decodes `formData` parameters: arrays per their collection format, the last value otherwise. */
function decodeFormFields(
  form: Record<string, string | string[]>,
  params: SwaggerParameter[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of params) {
    const raw = form[p.name];
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    out[p.name] =
      p.type === 'array' ? splitCollection(values, p.collectionFormat) : values[values.length - 1];
  }
  return out;
}

/** Decodes a form-encoded `in: body` object: JSON text for object/array fields, strings for the rest (ajv coerces). */
function decodeFormBody(
  form: Record<string, string | string[]>,
  schema: AnySchemaObject | undefined,
  errors: string[],
): Record<string, unknown> {
  const props = (schema?.['properties'] ?? {}) as Record<string, AnySchemaObject>;
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(form)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    const prop = props[name];
    const type = prop ? (prop['type'] ?? (prop['$ref'] ? 'object' : undefined)) : undefined;
    if ((type === 'object' || type === 'array') && typeof value === 'string') {
      try {
        out[name] = JSON.parse(value);
      } catch {
        errors.push(`body field "${name}" must be JSON text (${String(type)})`);
      }
    } else {
      out[name] = value;
    }
  }
  return out;
}

function unknownFields(form: Record<string, unknown> | undefined, declared: Set<string>): string[] {
  return Object.keys(form ?? {})
    .filter((k) => !declared.has(k))
    .map((k) => `field "${k}" is not in the spec`);
}

/** Follows a top-level `$ref` so a body's properties can be read. */
function resolveSchema(ajv: Ajv, schema: AnySchemaObject): AnySchemaObject | undefined {
  const ref = schema['$ref'];
  if (typeof ref !== 'string') return schema;
  const [id, pointer] = ref.split('#');
  const root = ajv.getSchema(id ?? '')?.schema as AnySchemaObject | undefined;
  let node: unknown = root;
  for (const key of (pointer ?? '').split('/').filter(Boolean))
    node = (node as Record<string, unknown>)?.[key];
  return node as AnySchemaObject | undefined;
}

/** Deep-copies a schema, pointing local `#/definitions/...` refs at the spec's registered id. */
function rewriteRefs<T>(value: T, specId: string): T {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, specId)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        k === '$ref' && typeof v === 'string' && v.startsWith('#') ? specId + v : rewriteRefs(v, specId);
    }
    return out as T;
  }
  return value;
}

function compileTemplate(template: string): { regex: RegExp; paramNames: string[]; literalLength: number } {
  const paramNames: string[] = [];
  let literalLength = 0;
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const name = /^\{([^}]+)\}$/.exec(part)?.[1];
      if (name) {
        paramNames.push(name);
        return '([^/]+?)';
      }
      literalLength += part.length;
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { regex: new RegExp(`^${pattern}$`), paramNames, literalLength };
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${where}${e.instancePath || ''} ${e.message ?? 'is invalid'}`.trim());
}
