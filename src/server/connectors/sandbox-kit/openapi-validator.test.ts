import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSwaggerValidator, resolveSpecsDir } from './openapi-validator.js';

/** A small Swagger 2.0 document exercising every parameter location the validator handles. */
const SPEC = {
  swagger: '2.0',
  basePath: '/',
  paths: {
    '/things.json': {
      get: {
        operationId: 'listThings',
        parameters: [
          { name: 'maxReturn', in: 'query', type: 'integer', format: 'int32' },
          { name: 'ids', in: 'query', type: 'array', items: { type: 'integer' }, collectionFormat: 'csv' },
          { name: 'status', in: 'query', type: 'string', enum: ['draft', 'approved'] },
        ],
      },
      post: {
        operationId: 'createThing',
        consumes: ['application/x-www-form-urlencoded'],
        parameters: [
          { in: 'body', name: 'req', required: true, schema: { $ref: '#/definitions/CreateThing' } },
        ],
      },
    },
    '/thing/{id}.json': {
      get: {
        operationId: 'getThing',
        parameters: [{ name: 'id', in: 'path', required: true, type: 'integer' }],
      },
    },
    '/thing/byName.json': {
      get: {
        operationId: 'getThingByName',
        parameters: [{ name: 'name', in: 'query', required: true, type: 'string' }],
      },
    },
    '/upload.json': {
      post: {
        operationId: 'upload',
        consumes: ['multipart/form-data'],
        parameters: [
          { name: 'file', in: 'formData', type: 'file', required: true },
          { name: 'size', in: 'formData', type: 'integer' },
        ],
      },
    },
  },
  definitions: {
    CreateThing: {
      type: 'object',
      required: ['name', 'folder'],
      properties: {
        name: { type: 'string' },
        folder: { $ref: '#/definitions/Folder' },
        costs: { type: 'array', items: { $ref: '#/definitions/Cost' } },
        active: { type: 'boolean' },
      },
    },
    Folder: {
      type: 'object',
      required: ['id', 'type'],
      properties: {
        id: { type: 'integer', format: 'int32' },
        type: { type: 'string', enum: ['Folder', 'Program'] },
      },
    },
    Cost: {
      type: 'object',
      required: ['cost', 'startDate'],
      properties: { cost: { type: 'integer' }, startDate: { type: 'string', format: 'date-time' } },
    },
  },
};

function validator() {
  const dir = mkdtempSync(join(tmpdir(), 'spec-'));
  const file = join(dir, 'things.json');
  writeFileSync(file, JSON.stringify(SPEC));
  return loadSwaggerValidator([file]);
}

const q = (s = '') => new URLSearchParams(s);

describe('loadSwaggerValidator', () => {
  it('matches literal segments before path parameters and decodes path parameters', () => {
    const v = validator();
    expect(
      v.validate({ method: 'GET', path: '/thing/byName.json', query: q('name=a') }).operation?.operationId,
    ).toBe('getThingByName');
    const byId = v.validate({ method: 'GET', path: '/thing/42.json', query: q() });
    expect(byId.operation?.operationId).toBe('getThing');
    expect(byId.operation?.pathParams).toEqual({ id: '42' });
    expect(byId.errors).toEqual([]);
    expect(v.validate({ method: 'GET', path: '/thing/abc.json', query: q() }).errors).toEqual([
      'path/id must be integer',
    ]);
  });

  it('reports requests that match no operation', () => {
    const v = validator();
    const r = v.validate({ method: 'DELETE', path: '/things.json', query: q() });
    expect(r.operation).toBeUndefined();
    expect(r.errors[0]).toMatch(/no operation DELETE \/things\.json/);
  });

  it('coerces and checks query parameters, splits csv arrays, and rejects undeclared names', () => {
    const v = validator();
    expect(
      v.validate({ method: 'GET', path: '/things.json', query: q('maxReturn=20&ids=1,2,3&status=draft') })
        .errors,
    ).toEqual([]);
    const bad = v.validate({
      method: 'GET',
      path: '/things.json',
      query: q('maxReturn=ten&ids=1,x&status=live&maxreturn=5'),
    });
    expect(bad.errors).toEqual(
      expect.arrayContaining([
        'query parameter "maxreturn" is not in the spec',
        'query/maxReturn must be integer',
        'query/ids/1 must be integer',
        'query/status must be equal to one of the allowed values',
      ]),
    );
  });

  it('checks int32 ranges', () => {
    const v = validator();
    expect(
      v.validate({ method: 'GET', path: '/things.json', query: q('maxReturn=3000000000') }).errors,
    ).toEqual(['query/maxReturn must match format "int32"']);
  });

  it('decodes a form-encoded body declared as `in: body`: JSON text for objects and arrays, coerced scalars', () => {
    const v = validator();
    const ok = v.validate({
      method: 'POST',
      path: '/things.json',
      query: q(),
      contentType: 'application/x-www-form-urlencoded',
      form: {
        name: 'n',
        folder: '{"id":12,"type":"Folder"}',
        costs: '[{"cost":5,"startDate":"2026-01-01T00:00:00Z"}]',
        active: 'true',
      },
    });
    expect(ok.errors).toEqual([]);
    const bad = v.validate({
      method: 'POST',
      path: '/things.json',
      query: q(),
      contentType: 'application/x-www-form-urlencoded',
      form: { folder: '{"id":12,"type":"Drawer"}', costs: 'not json', extra: '1' },
    });
    expect(bad.errors).toEqual(
      expect.arrayContaining([
        'body field "costs" must be JSON text (array)',
        'field "extra" is not in the spec',
        "body must have required property 'name'",
        'body/folder/type must be equal to one of the allowed values',
      ]),
    );
  });

  it('requires a required body, checks the content type, and validates formData parameters', () => {
    const v = validator();
    expect(v.validate({ method: 'POST', path: '/things.json', query: q() }).errors).toEqual([
      'request body is required',
    ]);
    expect(
      v.validate({
        method: 'POST',
        path: '/things.json',
        query: q(),
        contentType: 'application/json',
        json: { name: 'n', folder: { id: 1, type: 'Folder' } },
      }).errors,
    ).toEqual(['content-type application/json is not one of application/x-www-form-urlencoded']);
    expect(
      v.validate({
        method: 'POST',
        path: '/upload.json',
        query: q(),
        contentType: 'multipart/form-data',
        form: { file: 'a.png', size: '3' },
      }).errors,
    ).toEqual([]);
    expect(
      v.validate({
        method: 'POST',
        path: '/upload.json',
        query: q(),
        contentType: 'multipart/form-data',
        form: { size: 'big' },
      }).errors,
    ).toEqual(
      expect.arrayContaining(["form must have required property 'file'", 'form/size must be integer']),
    );
  });

  it('finds the shared specs beside the repository, and honours an override', () => {
    const dir = mkdtempSync(join(tmpdir(), 'specs-'));
    expect(resolveSpecsDir(dir)).toBe(dir);
    expect(resolveSpecsDir(join(dir, 'absent'))).toBeUndefined();
    const found = resolveSpecsDir();
    if (found) expect(found).toMatch(/shared[\\/]specs$/);
  });

  it('loads the official Marketo spec when present', (ctx) => {
    const dir = resolveSpecsDir(process.env['SWITCHBOARD_SPECS_DIR']);
    if (!dir) return ctx.skip('../shared/specs is absent: the Marketo spec cannot be checked');
    const v = loadSwaggerValidator(
      ['swagger-identity.json', 'swagger-asset.json', 'swagger-mapi.json'].map((f) =>
        join(dir, 'marketo', f),
      ),
    );
    expect(v.operationCount).toBeGreaterThan(200);
    const r = v.validate({
      method: 'GET',
      path: '/identity/oauth/token',
      query: q('grant_type=client_credentials&client_id=a'),
    });
    expect(r.operation?.operationId).toBe('identityUsingGET');
    expect(r.errors).toEqual(["query must have required property 'client_secret'"]);
  });
});
