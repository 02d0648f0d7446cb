import { createHash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

/**
 * Passes a document through unchanged while hashing it (SHA-256 of the bytes as sent), and
 * runs `onComplete(sha256, bytes)` once the whole document has been produced. The last byte
 * is released only after onComplete resolves, so a download is never complete without its
 * audit record; if onComplete fails, the stream fails (and the client sees a cut download).
 */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(private readonly onComplete: (sha256: string, bytes: number) => Promise<void>) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(buffer);
    this.bytes += buffer.length;
    callback(null, buffer);
  }

  override _flush(callback: TransformCallback): void {
    this.onComplete(this.hash.digest('hex'), this.bytes).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }
}
