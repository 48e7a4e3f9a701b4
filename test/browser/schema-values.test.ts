/**
 * The connection form's values (src/web/features/connections/schema-values.ts) against every real connector: the
 * JSON Schemas `GET /api/v1/connectors` serves, filled the way a person fills the form, must produce config and
 * credentials the connector's own zod schemas accept.
 */
import { describe, expect, it } from 'vitest';
import { connectors } from '../../src/server/connectors/registry.js';
import { toConnectorBody } from '../../src/server/modules/connections/connections.http.js';
import {
  asObjectSchema,
  humanize,
  initialValues,
  SchemaFormError,
  toPayload,
  typeOf,
  type FormValues,
  type JsonObjectSchema,
} from '../../src/web/features/connections/schema-values.js';

/** What a person types into each required field (digits where the schema wants digits). */
function fillRequired(schema: JsonObjectSchema | undefined, values: FormValues): FormValues {
  const out = { ...values };
  for (const name of schema?.required ?? []) {
    const p = schema!.properties![name]!;
    const t = typeOf(p);
    if (p.enum) out[name] = String(p.enum[0]);
    else if (t === 'integer' || t === 'number') out[name] = '7';
    else if (t === 'boolean') out[name] = true;
    else if (t === 'object') out[name] = '{}';
    else out[name] = p.pattern === '^\\d+$' ? '123' : 'value';
  }
  return out;
}

describe('connection form values from the connectors’ JSON Schemas', () => {
  for (const connector of Object.values(connectors)) {
    const body = toConnectorBody(connector as never);

    it(`${body.id}: the untouched form (required fields filled) is a config the connector accepts`, () => {
      const schema = asObjectSchema(body.configSchema);
      expect(Object.keys(schema?.properties ?? {}).length).toBeGreaterThan(0);
      const values = fillRequired(schema, initialValues(schema));
      const payload = toPayload(schema, values);
      // Defaults are left to the connector: only what the person typed is sent.
      expect(Object.keys(payload).sort()).toEqual([...(schema?.required ?? [])].sort());
      expect(() => connector.manifest.configSchema.parse(payload)).not.toThrow();
      // Every default is shown in the form as the value the connector would use.
      for (const [name, p] of Object.entries(schema?.properties ?? {})) {
        if (p.default === undefined) continue;
        const shown = values[name];
        if (typeOf(p) === 'boolean') expect(shown).toBe(p.default);
        else if (typeOf(p) === 'object') expect(JSON.parse(String(shown))).toEqual(p.default);
        else expect(shown).toBe(String(p.default));
      }
    });

    it(`${body.id}: changed fields are sent typed and pass the connector's schema`, () => {
      const schema = asObjectSchema(body.configSchema);
      const values = fillRequired(schema, initialValues(schema));
      const changed: FormValues = { ...values };
      for (const [name, p] of Object.entries(schema?.properties ?? {})) {
        const t = typeOf(p);
        if (t === 'boolean') changed[name] = !(p.default === true);
        else if (t === 'object') changed[name] = '{"news":"42"}';
      }
      const payload = toPayload(schema, changed);
      for (const [name, p] of Object.entries(schema?.properties ?? {})) {
        const t = typeOf(p);
        if (t === 'boolean') expect(payload[name]).toBe(!(p.default === true));
        if (t === 'object') expect(payload[name]).toEqual({ news: '42' });
        if ((t === 'integer' || t === 'number') && payload[name] !== undefined)
          expect(typeof payload[name]).toBe('number');
      }
      expect(() => connector.manifest.configSchema.parse(payload)).not.toThrow();
    });

    it(`${body.id}: credentials fields are strings the connector's schema knows`, () => {
      const schema = asObjectSchema(body.credentialsSchema);
      const props = Object.entries(schema?.properties ?? {});
      expect(props.length).toBeGreaterThan(0);
      for (const [, p] of props) expect(['string', 'integer', 'number']).toContain(typeOf(p));
    });
  }

  it('labels read as words, and JSON fields that do not parse are refused by name', () => {
    expect(humanize('blogId')).toBe('Blog id');
    expect(humanize('file_folder_path')).toBe('File folder path');
    expect(humanize('emailTemplateId')).toBe('Email template id');
    const schema: JsonObjectSchema = { properties: { tagIds: { type: 'object' } } };
    expect(() => toPayload(schema, { tagIds: '{nope' })).toThrow(SchemaFormError);
    expect(() => toPayload(schema, { tagIds: '{nope' })).toThrow('Tag ids: not valid JSON');
  });
});
