import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { domainError, ErrorKind } from '../errors/domain-error';

export class InvalidCursor extends domainError('INVALID_CURSOR', ErrorKind.Invalid) {}

/** Opaque keyset cursor: base64url of a JSON array of the last row's sort keys. */
export function encodeCursor(keys: unknown[]): string {
  return Buffer.from(JSON.stringify(keys), 'utf8').toString('base64url');
}

export function decodeCursor<T extends unknown[]>(cursor: string, arity: number): T {
  try {
    const keys = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(keys) &&
      keys.length === arity &&
      keys.every((k) => ['string', 'number'].includes(typeof k))
    ) {
      return keys as T;
    }
  } catch {
    // fall through to the domain error
  }
  throw new InvalidCursor('The cursor is malformed; use the nextCursor value of a previous page');
}

/** What a cursor looks like (opaque: base64url of the last row's sort keys). */
const CURSOR_EXAMPLE =
  'WyIyMDI1LTAzLTE0VDA5OjI2OjUzLjU4OVoiLCIzZjBjNWEyZS04ZDFiLTRjN2EtOWU0NC0wYjZjMmYxZDlhMTciXQ';

export class PageQueryDto {
  @ApiPropertyOptional({ description: 'Page size', minimum: 1, maximum: 500, default: 50, example: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', example: CURSOR_EXAMPLE })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}

export class PageInfoDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` to get the next page; null on the last page',
    example: CURSOR_EXAMPLE,
  })
  nextCursor!: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
