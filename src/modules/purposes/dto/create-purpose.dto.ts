import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { PURPOSE_CODE_PATTERN } from '../purpose.model';
import { PurposeDeclarationDto } from './purpose-declaration.dto';

export class CreatePurposeDto extends PurposeDeclarationDto {
  @ApiProperty({ example: 'marketing.newsletter', description: 'Stable unique slug' })
  @Matches(PURPOSE_CODE_PATTERN, {
    message:
      'code must be a lower-case slug of words separated by ".", "-" or "_" (e.g. marketing.newsletter)',
  })
  @MaxLength(100)
  code!: string;

  @ApiProperty({ example: 'Monthly newsletter' })
  // Replaces the inherited "validate only when present": a new purpose must have a name.
  @ValidateIf(() => true)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  declare name: string;

  @ApiPropertyOptional({
    example: 'cnil.prospects',
    description:
      'Draft from a CNIL preset (GET /retention/presets): its retention is used when the request gives ' +
      'none (explicit values win), and the purpose records the preset (presetCode). Unknown: 400 ' +
      'PURPOSE_PRESET_UNKNOWN',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  presetCode?: string;
}
