import { AppError } from '../errors.ts';

/** Default cap on one batch body: a Connect batch of a few thousand candles is well under 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Fatal: a body that is not UTF-8 is refused rather than read with replacement characters. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a request body as UTF-8 text, refusing it with 413 as soon as it exceeds `maxBytes`.
 * Content-Length is checked first (cheap refusal), then the stream is counted, because the header may be absent
 * (chunked) or wrong.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get('content-length');
  // A declared length within the limit bounds the body (HTTP framing ends it there), so it is read whole: on Node
  // that skips building a Web stream for every batch, a tenth of a small batch's CPU in the function.
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) <= maxBytes) return utf8(await request.arrayBuffer());
  if (request.body === null) return '';
  const reader = request.body.getReader();
  if (declared !== null && Number(declared) > maxBytes) {
    await drain(reader, maxBytes);
    throw tooLarge(maxBytes, Number(declared));
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await drain(reader, maxBytes);
      throw tooLarge(maxBytes, total);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return utf8(bytes);
}

function utf8(bytes: ArrayBuffer | Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new AppError('INVALID_UTF8', 'request body is not valid UTF-8: send the batch as UTF-8 encoded JSON', { status: 400 });
  }
}

/**
 * Reads and discards what the client is still sending (up to a bound) before the 413 goes out: runtimes such as workerd
 * reset the connection when a response races an unread upload, and the client would see ECONNRESET instead of the reason.
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<void> {
  let discarded = 0;
  const bound = Math.max(maxBytes * 4, 64 * 1024 * 1024);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    discarded += value.byteLength;
    if (discarded > bound) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
}

function tooLarge(maxBytes: number, seen: number): AppError {
  return new AppError('BODY_TOO_LARGE', `request body is larger than the ${maxBytes}-byte limit (at least ${seen} bytes): send smaller batches or raise maxBodyBytes`, {
    status: 413,
    details: { maxBytes },
  });
}
