/**
 * Deepest nesting of objects/arrays accepted in a JSON body. Legitimate documents (a whole
 * register export) stay far below; a body nested thousands deep would otherwise overflow the
 * stack of the recursive validation that follows parsing.
 */
export const MAX_JSON_DEPTH = 64;

export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly expose = true;
  readonly type = 'entity.too.deep';

  constructor(max: number) {
    super(`The JSON body is nested deeper than ${max} levels`);
  }
}

/**
 * Scans raw JSON bytes (before JSON.parse, without recursion) and throws when brackets nest
 * deeper than `max`. Brackets inside strings are skipped; escapes inside strings are honoured.
 */
export function assertJsonDepth(body: Buffer, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) throw new JsonTooDeepError(max);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
}
