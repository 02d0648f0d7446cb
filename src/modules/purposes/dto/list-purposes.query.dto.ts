import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/cursor';
import { LegalBasis, PurposeStatus } from '../purpose.model';

export class ListPurposesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: PurposeStatus, example: PurposeStatus.Active })
  @IsOptional()
  @IsEnum(PurposeStatus)
  status?: PurposeStatus;

  @ApiPropertyOptional({ enum: LegalBasis, example: LegalBasis.Consent })
  @IsOptional()
  @IsEnum(LegalBasis)
  legalBasis?: LegalBasis;

  @ApiPropertyOptional({
    description: 'Case-insensitive text search in code, name and description',
    example: 'newsletter',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
