import { Readable } from 'node:stream';

/**
 * A top-level property of a streamed JSON document: a value, items read one by one
 * (JsonItemStream), or a LazyJsonValue computed when reached (e.g. totals of the items before it).
 */
export type JsonDocumentPart = [key: string, value: unknown];

export class LazyJsonValue {
  constructor(readonly compute: () => unknown) {}
}

/** Marks a property whose items are streamed (never held in memory as an array). */
export class JsonItemStream {
  constructor(readonly items: AsyncIterable<unknown> | Iterable<unknown>) {}
}

/** Output is flushed in chunks of about this size: fewer, larger writes than one per item. */
const CHUNK_BYTES = 64 * 1024;

/** Streams `{ "k": v, "list": [ … ] }`, reading list items only as the consumer pulls. */
export function jsonDocumentStream(parts: JsonDocumentPart[]): Readable {
  return Readable.from(chunked(jsonPieces(parts)), { objectMode: false });
}

async function* jsonPieces(parts: JsonDocumentPart[]): AsyncGenerator<string> {
  yield '{';
  let firstPart = true;
  for (const [key, value] of parts) {
    yield `${firstPart ? '' : ','}${JSON.stringify(key)}:`;
    firstPart = false;
    if (value instanceof JsonItemStream) {
      yield '[';
      let firstItem = true;
      for await (const item of value.items) {
        yield `${firstItem ? '' : ','}${JSON.stringify(item)}`;
        firstItem = false;
      }
      yield ']';
    } else if (value instanceof LazyJsonValue) {
      yield JSON.stringify(value.compute() ?? null);
    } else {
      yield JSON.stringify(value ?? null);
    }
  }
  yield '}';
}

async function* chunked(pieces: AsyncIterable<string>): AsyncGenerator<Buffer> {
  let pending: string[] = [];
  let size = 0;
  for await (const piece of pieces) {
    pending.push(piece);
    size += piece.length;
    if (size >= CHUNK_BYTES) {
      yield Buffer.from(pending.join(''), 'utf8');
      pending = [];
      size = 0;
    }
  }
  if (pending.length) yield Buffer.from(pending.join(''), 'utf8');
}
