import { ApiProperty } from '@nestjs/swagger';

export class LocalisedTextDto {
  @ApiProperty({ example: 'Prospects' }) fr!: string;
  @ApiProperty({ example: 'Prospects' }) en!: string;
}

export class PresetRetentionDto {
  @ApiProperty({ example: 'P3Y' }) duration!: string;
  @ApiProperty({ enum: ['collection', 'last_interaction', 'contract_end'], example: 'last_interaction' })
  trigger!: string;
}

export class PresetArchiveDto {
  @ApiProperty({ example: 'P5Y' }) duration!: string;
  @ApiProperty({
    type: LocalisedTextDto,
    example: {
      fr: 'Prescription de droit commun (art. 2224 du Code civil)',
      en: 'Limitation period (art. 2224 of the French Civil Code)',
    },
  })
  legalReason!: LocalisedTextDto;
}

export class PresetSourceDto {
  @ApiProperty({ example: 'CNIL, référentiel gestion des activités commerciales (délibération n° 2021-131)' })
  text!: string;
  @ApiProperty({ nullable: true, type: String, example: 'Annexe, durées de conservation (prospects)' })
  article!: string | null;
  @ApiProperty({ example: '2021-09-23', description: 'Date of the text (YYYY-MM-DD)' }) date!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'https://www.cnil.fr/fr/referentiel-gestion-commerciale',
  })
  url!: string | null;
}

export class RetentionPresetDto {
  @ApiProperty({ example: 'cnil.prospects' }) code!: string;
  @ApiProperty({ type: LocalisedTextDto }) label!: LocalisedTextDto;
  @ApiProperty({ type: PresetRetentionDto, description: 'The active phase (durée d’utilité courante)' })
  retention!: PresetRetentionDto;
  @ApiProperty({
    type: PresetArchiveDto,
    nullable: true,
    description: 'The intermediate archive phase after the active one, with its legal reason',
  })
  archive!: PresetArchiveDto | null;
  @ApiProperty({ type: LocalisedTextDto, nullable: true }) note!: LocalisedTextDto | null;
  @ApiProperty({ type: PresetSourceDto }) source!: PresetSourceDto;
}

export class RetentionPresetListDto {
  @ApiProperty({ type: [RetentionPresetDto] }) items!: RetentionPresetDto[];
}
