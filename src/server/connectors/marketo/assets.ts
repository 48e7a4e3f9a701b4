/**
 * Files for Marketo's Design Studio, checked before any call: the type is detected from the bytes (magic numbers, via
 * `file-type`), never trusted from the file name, and must be one Marketo serves in emails and landing pages; the size
 * must fit the upload budget. A failure is an `invalid_request` ConnectorError with a clear message (dead letter, no
 * call made).
 */
import { fileTypeFromBuffer } from 'file-type';
import { ConnectorError } from '../sdk/connector-error.js';

/** Largest file we upload: the SDK's request-size budget, well below Design Studio's own limit. */
export const MARKETO_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** MIME types accepted for upload (images for emails and pages, PDFs and Office documents for downloads). */
export const MARKETO_FILE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/x-icon',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'video/mp4',
]);

export interface CheckedFile {
  mime: string;
  ext: string;
  size: number;
}

/** Detects and checks a file; throws `invalid_request` when Marketo should not receive it. */
export async function checkMarketoFile(fileName: string, bytes: Uint8Array): Promise<CheckedFile> {
  if (bytes.byteLength === 0) throw invalid(`${fileName} is empty`);
  if (bytes.byteLength > MARKETO_MAX_FILE_BYTES) {
    throw invalid(
      `${fileName} is ${bytes.byteLength} bytes; Marketo uploads are limited to ${MARKETO_MAX_FILE_BYTES}`,
    );
  }
  const detected = await fileTypeFromBuffer(bytes);
  if (!detected) throw invalid(`${fileName}: the file type cannot be recognised from its content`);
  if (!MARKETO_FILE_TYPES.has(detected.mime)) {
    throw invalid(`${fileName} is ${detected.mime}, which is not accepted for Marketo uploads`);
  }
  return { mime: detected.mime, ext: detected.ext, size: bytes.byteLength };
}

function invalid(message: string): ConnectorError {
  return new ConnectorError({ kind: 'invalid_request', message, vendorCode: 'ASSET_REJECTED' });
}
