import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ActorDto } from '../../purposes/dto/purpose.response.dto';

/** One line of printable text, no leading or trailing space. */
const LINE = /^(?! )[^\p{C}]+(?<! )$/u;
/** Printable text over several lines (a postal address). */
const LINES = /^(?!\s)(?:[^\p{C}]|\r?\n)+(?<!\s)$/u;

export class OrganisationPartyDto {
  @ApiProperty({ example: 'Claire Martin', maxLength: 300 })
  @IsString()
  @Matches(LINE, { message: 'name must be printable text without leading or trailing spaces' })
  @MaxLength(300)
  name!: string;

  @ApiProperty({ example: 'dpo@acme.example, +33 1 23 45 67 89', maxLength: 500 })
  @IsString()
  @Matches(LINE, { message: 'contact must be printable text without leading or trailing spaces' })
  @MaxLength(500)
  contact!: string;
}

/** PUT /register/organisation: the whole record (absent optional parts are cleared). */
export class PutOrganisationDto {
  @ApiProperty({ example: 'ACME SAS', maxLength: 300, description: 'Legal name of the controller' })
  @IsString()
  @Matches(LINE, { message: 'name must be printable text without leading or trailing spaces' })
  @MaxLength(300)
  name!: string;

  @ApiProperty({ example: '12 rue de la Paix\n75002 Paris\nFrance', maxLength: 1000 })
  @IsString()
  @Matches(LINES, { message: 'address must be printable text (lines allowed)' })
  @MaxLength(1000)
  address!: string;

  @ApiProperty({ example: 'privacy@acme.example, +33 1 00 00 00 00', maxLength: 500 })
  @IsString()
  @Matches(LINE, { message: 'contact must be printable text without leading or trailing spaces' })
  @MaxLength(500)
  contact!: string;

  @ApiPropertyOptional({
    default: true,
    example: true,
    description: 'false: established outside the EU, so an EU representative (art. 27) is expected',
  })
  @IsOptional()
  @IsBoolean()
  establishedInEu?: boolean;

  @ApiPropertyOptional({
    type: OrganisationPartyDto,
    nullable: true,
    description: 'Data protection officer (art. 37–39); absent or null: none designated (a compliance gap)',
  })
  @IsOptional()
  // ValidateNested alone lets an array through (then stored as "no DPO").
  @IsObject()
  @ValidateNested()
  @Type(() => OrganisationPartyDto)
  dpo?: OrganisationPartyDto | null;

  @ApiPropertyOptional({
    type: OrganisationPartyDto,
    nullable: true,
    description: 'Representative in the Union (art. 27), for a controller established outside it',
  })
  @IsOptional()
  // ValidateNested alone lets an array through (then stored as "no DPO").
  @IsObject()
  @ValidateNested()
  @Type(() => OrganisationPartyDto)
  representative?: OrganisationPartyDto | null;
}

export class OrganisationPartyResponseDto {
  @ApiProperty({ example: 'Claire Martin' }) name!: string;
  @ApiProperty({ example: 'dpo@acme.example' }) contact!: string;
}

export class OrganisationResponseDto {
  @ApiProperty({ example: 'ACME SAS' }) name!: string;
  @ApiProperty({ example: '12 rue de la Paix\n75002 Paris\nFrance' }) address!: string;
  @ApiProperty({ example: 'privacy@acme.example' }) contact!: string;
  @ApiProperty({ example: true }) establishedInEu!: boolean;
  @ApiProperty({ type: OrganisationPartyResponseDto, nullable: true })
  dpo!: OrganisationPartyResponseDto | null;
  @ApiProperty({ type: OrganisationPartyResponseDto, nullable: true })
  representative!: OrganisationPartyResponseDto | null;
  @ApiProperty({ example: 1, description: 'Incremented by each change; send it back as If-Match' })
  version!: number;
  @ApiProperty({ type: ActorDto }) updatedBy!: ActorDto;
  @ApiProperty({ example: '2026-11-30T09:00:00.000Z' }) updatedAt!: Date;
}
