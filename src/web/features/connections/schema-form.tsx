/**
 * A form generated from a connector's JSON Schema: string / number / integer / boolean / enum inputs with `pattern`,
 * `minLength`, `minimum` / `exclusiveMinimum` / `maximum` and `required`; maps (`additionalProperties`) and arrays
 * are edited as JSON. Secret fields render as password inputs. Unknown shapes fall back to a text input, so a new
 * connector never breaks the screen. Values live in `schema-values.ts`.
 */
import type { ReactNode } from 'react';
import { Field } from '../../app/ui.js';
import { isJsonType, labelOf, typeOf, type FormValues, type JsonObjectSchema } from './schema-values.js';

export {
  asObjectSchema,
  initialValues,
  toPayload,
  type FormValues,
  type JsonObjectSchema,
} from './schema-values.js';

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
    const isRequired = required.has(name);
    const label = `${labelOf(name, p)}${isRequired ? '' : ' (optional)'}`;
    const t = typeOf(p);
    const set = (v: string | boolean) => onChange({ ...values, [name]: v });
    if (t === 'boolean')
      return (
        <label key={name} className="row field" title={p.description}>
          <input type="checkbox" checked={values[name] === true} onChange={(e) => set(e.target.checked)} />{' '}
          {label}
        </label>
      );
    const hint = [p.description, isJsonType(t) ? 'JSON.' : null].filter(Boolean).join(' ');
    const min = p.minimum ?? (p.exclusiveMinimum !== undefined ? p.exclusiveMinimum + 1 : undefined);
    return (
      <Field key={name} label={label} {...(hint ? { hint } : {})}>
        {(props) =>
          p.enum ? (
            <select
              {...props}
              required={isRequired}
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
          ) : isJsonType(t) ? (
            <textarea
              {...props}
              className="mono"
              rows={2}
              required={isRequired}
              value={String(values[name] ?? '')}
              onChange={(e) => set(e.target.value)}
            />
          ) : (
            <input
              {...props}
              required={isRequired}
              type={
                secret || p.writeOnly
                  ? 'password'
                  : t === 'number' || t === 'integer'
                    ? 'number'
                    : p.format === 'uri'
                      ? 'url'
                      : 'text'
              }
              autoComplete={secret ? 'new-password' : 'off'}
              {...(p.pattern && !secret ? { pattern: p.pattern } : {})}
              {...(p.maxLength !== undefined ? { maxLength: p.maxLength } : {})}
              {...(min !== undefined && Number.isSafeInteger(min) ? { min } : {})}
              {...(p.maximum !== undefined && Number.isSafeInteger(p.maximum) ? { max: p.maximum } : {})}
              {...(t === 'integer' ? { step: 1 } : {})}
              value={String(values[name] ?? '')}
              onChange={(e) => set(e.target.value)}
            />
          )
        }
      </Field>
    );
  });
}
