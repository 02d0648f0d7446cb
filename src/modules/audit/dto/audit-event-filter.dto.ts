import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/cursor';

/** Filters shared by the event list and the export. */
export class AuditEventFilterDto {
  @ApiPropertyOptional({
    description: 'Events at or after this instant (ISO 8601)',
    example: '2026-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    description: 'Events before this instant (ISO 8601, exclusive)',
    example: '2026-02-01T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    description: 'Event type, exact, or a prefix ending in `.*`',
    example: 'access.decision',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*(\.\*)?$/, {
    message: 'type must be a dotted event type, optionally ending in .*',
  })
  type?: string;

  @ApiPropertyOptional({
    description: 'Actor id (principal id, or `finalite` for the system)',
    example: 'finalite',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ description: 'Purpose code', example: 'marketing.newsletter' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  purpose?: string;

  @ApiPropertyOptional({
    description: 'Data subject id in clear: the service hashes it (HMAC) and searches the stored keyed hash',
    example: 'customer-42',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subjectId?: string;
}

export class ListAuditEventsQueryDto extends IntersectionType(PageQueryDto, AuditEventFilterDto) {
  @ApiPropertyOptional({
    enum: ['asc', 'desc'],
    default: 'desc',
    example: 'asc',
    description: 'Sequence order',
  })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export enum AuditExportFormat {
  Ndjson = 'ndjson',
  Csv = 'csv',
}

export class ExportAuditEventsQueryDto extends AuditEventFilterDto {
  @ApiPropertyOptional({ enum: AuditExportFormat, default: AuditExportFormat.Ndjson, example: 'ndjson' })
  @IsOptional()
  @IsIn(Object.values(AuditExportFormat))
  format?: AuditExportFormat;

  @ApiPropertyOptional({ description: 'First sequence number to export', example: 1, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  fromSeq?: number;

  @ApiPropertyOptional({ description: 'Last sequence number to export', example: 100000, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  toSeq?: number;
}

export class VerifyAuditQueryDto {
  @ApiPropertyOptional({ description: 'First sequence number to verify (default 1)', example: 1, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  fromSeq?: number;

  @ApiPropertyOptional({
    description: 'Last sequence number to verify (default: the head)',
    example: 5000,
    minimum: 1,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  toSeq?: number;
}
