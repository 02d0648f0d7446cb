import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every error response. */
export class ErrorBodyDto {
  @ApiProperty({ example: 404 })
  statusCode!: number;

  @ApiProperty({ example: 'PURPOSE_NOT_FOUND', description: 'Stable machine-readable code' })
  error!: string;

  @ApiProperty({ example: 'No purpose with code "marketing.newsletter"' })
  message!: string;

  @ApiPropertyOptional({
    description: 'Structured context, e.g. one entry per invalid property',
    example: [{ property: 'legalBasis', constraints: ['legalBasis must be one of: consent, contract, …'] }],
  })
  details?: unknown;
}
