/**
 * Asset validation before any HubSpot call: the type is detected from the bytes (magic numbers, `file-type`), never
 * from the file name, and checked against what HubSpot's file manager accepts for content, with its size limits.
 */
import { fileTypeFromBuffer } from 'file-type';
import { ConnectorError } from '../sdk/connector-error.js';

const MB = 1024 * 1024;

/** Types we upload for use in posts and emails, with their size limits (HubSpot file manager: images 20 MB). */
export const HUBSPOT_ASSET_LIMITS: Readonly<
  Record<string, { maxBytes: number; kind: 'image' | 'document' | 'video' }>
> = {
  'image/png': { maxBytes: 20 * MB, kind: 'image' },
  'image/jpeg': { maxBytes: 20 * MB, kind: 'image' },
  'image/gif': { maxBytes: 20 * MB, kind: 'image' },
  'image/webp': { maxBytes: 20 * MB, kind: 'image' },
  'image/avif': { maxBytes: 20 * MB, kind: 'image' },
  'application/pdf': { maxBytes: 300 * MB, kind: 'document' },
  'video/mp4': { maxBytes: 300 * MB, kind: 'video' },
  'video/webm': { maxBytes: 300 * MB, kind: 'video' },
};

export interface ValidatedAsset {
  mime: string;
  ext: string;
  kind: 'image' | 'document' | 'video';
  size: number;
}

export async function validateHubSpotAsset(fileName: string, bytes: Uint8Array): Promise<ValidatedAsset> {
  if (bytes.byteLength === 0) {
    throw new ConnectorError({
      kind: 'invalid_request',
      message: `Asset ${fileName} is empty`,
      vendorCode: 'ASSET_EMPTY',
    });
  }
  const detected = await fileTypeFromBuffer(bytes);
  const limits = detected ? HUBSPOT_ASSET_LIMITS[detected.mime] : undefined;
  if (!detected || !limits) {
    throw new ConnectorError({
      kind: 'invalid_request',
      message: `Asset ${fileName} is ${detected ? detected.mime : 'of an unrecognised type'}; HubSpot content accepts ${Object.keys(HUBSPOT_ASSET_LIMITS).join(', ')}`,
      vendorCode: 'ASSET_TYPE_UNSUPPORTED',
    });
  }
  if (bytes.byteLength > limits.maxBytes) {
    throw new ConnectorError({
      kind: 'invalid_request',
      message: `Asset ${fileName} is ${(bytes.byteLength / MB).toFixed(1)} MB; HubSpot accepts ${detected.mime} up to ${limits.maxBytes / MB} MB`,
      vendorCode: 'ASSET_TOO_LARGE',
    });
  }
  return { mime: detected.mime, ext: detected.ext, kind: limits.kind, size: bytes.byteLength };
}
