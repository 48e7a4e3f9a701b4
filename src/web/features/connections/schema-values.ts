/**
 * The values side of the connection form generated from a connector's JSON Schema (`GET /api/v1/connectors`, zod →
 * draft 2020-12): labels from `title` or the property name in words ("blogId" → "Blog id"), initial values from
 * `default`, and form strings back to typed config (numbers, booleans, JSON for maps and arrays). Pure, so it is
 * tested against the real connectors' schemas (test/browser/schema-values.test.ts).
 */
export interface JsonSchemaProperty {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  writeOnly?: boolean;
}
export interface JsonObjectSchema {
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
}

export type FormValues = Record<string, string | boolean>;

/** A property's JSON type, ignoring `null` in unions. */
export function typeOf(p: JsonSchemaProperty): string | undefined {
  return Array.isArray(p.type) ? p.type.find((t) => t !== 'null') : p.type;
}

export const isJsonType = (t: string | undefined) => t === 'object' || t === 'array';

/** "blogId" → "Blog id", "file_folder_path" → "File folder path". */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function labelOf(name: string, p: JsonSchemaProperty): string {
  return p.title ?? humanize(name);
}

/** Narrows the untyped JSON Schema of the API to what the form reads. */
export function asObjectSchema(schema: Record<string, unknown> | undefined): JsonObjectSchema | undefined {
  return schema as JsonObjectSchema | undefined;
}

export function initialValues(schema: JsonObjectSchema | undefined): FormValues {
  const out: FormValues = {};
  for (const [name, p] of Object.entries(schema?.properties ?? {})) {
    const t = typeOf(p);
    if (t === 'boolean') out[name] = p.default === true;
    else if (p.default === undefined) out[name] = '';
    else if (isJsonType(t)) out[name] = JSON.stringify(p.default);
    else out[name] = String(p.default);
  }
  return out;
}

export class SchemaFormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaFormError';
  }
}

/**
 * Form strings → typed values. Empty optional fields and values equal to the schema default are left out, so the
 * connector applies its own defaults. Throws SchemaFormError for JSON fields that do not parse.
 */
export function toPayload(schema: JsonObjectSchema | undefined, values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema?.properties ?? {})) {
    const v = values[name];
    if (v === undefined || v === '') continue;
    const t = typeOf(p);
    let value: unknown;
    if (t === 'boolean') value = v === true;
    else if (t === 'number' || t === 'integer') value = Number(v);
    else if (isJsonType(t)) {
      try {
        value = JSON.parse(String(v));
      } catch {
        throw new SchemaFormError(`${labelOf(name, p)}: not valid JSON`);
      }
    } else value = v;
    if (p.default !== undefined && JSON.stringify(p.default) === JSON.stringify(value)) continue;
    out[name] = value;
  }
  return out;
}
