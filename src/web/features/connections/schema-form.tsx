/**
 * A form generated from a connector's JSON Schema (draft 2020-12 subset: object of string / number / integer /
 * boolean properties, enums, `required`, `title`, `description`, `default`, `format: uri`). Secret fields render as
 * password inputs. Unknown shapes fall back to a text input, so a new connector never breaks the screen.
 */
import type { ReactNode } from 'react';
import { Field } from '../../app/ui.js';

export interface JsonSchemaProperty {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  writeOnly?: boolean;
}
export interface JsonObjectSchema {
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
}

export type FormValues = Record<string, string | boolean>;

export function initialValues(schema: JsonObjectSchema | undefined): FormValues {
  const out: FormValues = {};
  for (const [name, p] of Object.entries(schema?.properties ?? {})) {
    if (p.type === 'boolean') out[name] = p.default === true;
    else out[name] = p.default === undefined ? '' : String(p.default);
  }
  return out;
}

/** Form strings → typed values; empty optional fields are left out. */
export function toPayload(schema: JsonObjectSchema | undefined, values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema?.properties ?? {})) {
    const v = values[name];
    if (v === undefined || v === '') continue;
    const type = Array.isArray(p.type) ? p.type.find((t) => t !== 'null') : p.type;
    if (type === 'boolean') out[name] = v === true;
    else if (type === 'number' || type === 'integer') out[name] = Number(v);
    else out[name] = v;
  }
  return out;
}

export function SchemaFields({
  schema,
  values,
  onChange,
  secret,
}: {
  schema: JsonObjectSchema | undefined;
  values: FormValues;
  onChange: (v: FormValues) => void;
  secret: boolean;
}): ReactNode {
  const entries = Object.entries(schema?.properties ?? {});
  if (entries.length === 0) return null;
  const required = new Set(schema?.required ?? []);
  return entries.map(([name, p]) => {
    const label = `${p.title ?? name}${required.has(name) ? '' : ' (optional)'}`;
    const type = Array.isArray(p.type) ? p.type.find((t) => t !== 'null') : p.type;
    const set = (v: string | boolean) => onChange({ ...values, [name]: v });
    if (type === 'boolean')
      return (
        <label key={name} className="row field">
          <input type="checkbox" checked={values[name] === true} onChange={(e) => set(e.target.checked)} />{' '}
          {label}
        </label>
      );
    return (
      <Field key={name} label={label} {...(p.description ? { hint: p.description } : {})}>
        {(props) =>
          p.enum ? (
            <select
              {...props}
              required={required.has(name)}
              value={String(values[name] ?? '')}
              onChange={(e) => set(e.target.value)}
            >
              <option value="">Choose…</option>
              {p.enum.map((o) => (
                <option key={String(o)} value={String(o)}>
                  {String(o)}
                </option>
              ))}
            </select>
          ) : (
            <input
              {...props}
              required={required.has(name)}
              type={
                secret || p.writeOnly
                  ? 'password'
                  : type === 'number' || type === 'integer'
                    ? 'number'
                    : p.format === 'uri'
                      ? 'url'
                      : 'text'
              }
              autoComplete={secret ? 'new-password' : 'off'}
              {...(p.minimum !== undefined ? { min: p.minimum } : {})}
              {...(p.maximum !== undefined ? { max: p.maximum } : {})}
              value={String(values[name] ?? '')}
              onChange={(e) => set(e.target.value)}
            />
          )
        }
      </Field>
    );
  });
}
