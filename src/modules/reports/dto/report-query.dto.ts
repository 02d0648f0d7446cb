import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  CsvSeparator,
  REPORT_LANGS,
  ReportFormat,
  ROPA_LAYOUTS,
  type ReportLang,
  type RopaLayout,
} from '../report.model';

/** Query of every `GET /reports/{report}` route. Dates are checked by the service (400 on bad ones). */
export class ReportQueryDto {
  @ApiPropertyOptional({
    enum: ReportFormat,
    default: ReportFormat.Json,
    example: ReportFormat.Pdf,
    description: 'Document format; each report lists the ones it supports (others are a 400)',
  })
  @IsOptional()
  @IsIn(Object.values(ReportFormat))
  format?: ReportFormat;

  @ApiPropertyOptional({
    enum: REPORT_LANGS,
    example: 'fr',
    description: 'Labels language. Default: fr for the CNIL layouts (xlsx, layout=cnil), en otherwise',
  })
  @IsOptional()
  @IsIn(REPORT_LANGS)
  lang?: ReportLang;

  @ApiPropertyOptional({
    example: '2026-10-01',
    description: 'Start of the period (ISO-8601 date or date-time, inclusive). Default: 30 days before `to`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({
    example: '2026-10-31',
    description:
      'End of the period (exclusive date-time; a date alone includes that whole day). Default: now.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({
    enum: ['comma', 'semicolon'],
    example: 'semicolon',
    description: 'CSV separator. Default: semicolon with lang=fr (Excel in French locales), else comma.',
  })
  @IsOptional()
  @IsIn(['comma', 'semicolon'])
  sep?: CsvSeparator;

  @ApiPropertyOptional({
    enum: ROPA_LAYOUTS,
    default: 'standard',
    example: 'cnil',
    description:
      'Record of processing, PDF only: `cnil` lays it out as the CNIL model (cover, contents, one fiche ' +
      'per activity as tables, embedded fonts). The xlsx workbook always follows the CNIL model.',
  })
  @IsOptional()
  @IsIn(ROPA_LAYOUTS)
  layout?: RopaLayout;
}
