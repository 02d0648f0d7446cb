import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEnum,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PURPOSE_CODE_PATTERN } from '../../purposes/purpose.model';
import { isPlainJson, registerPlainlyValid } from '../../../common/errors/validation';
import { IsSubjectId } from '../../consents/dto/subject-id.validator';
import { isValidSubjectId } from '../../consents/consent.model';
import { AccessPhase } from '../decision/access-reason';

/** Fields per check: one screen or one export, not the whole inventory. */
export const MAX_FIELDS_PER_CHECK = 500;
/** Checks per batch (413 beyond, with this number in the message). */
export const MAX_BATCH_CHECKS = 1_000;
/** Largest recorded context, serialised. */
export const MAX_CONTEXT_BYTES = 4 * 1024;
/** Longest archive-access justification (a sentence or two, recorded with the decision). */
export const MAX_JUSTIFICATION_LENGTH = 1_000;

const CHECK_PROPERTIES = new Set(['purpose', 'action', 'fields', 'subjectId', 'context']);
const ACTION_PATTERN = /^[a-z][a-z_]{0,49}$/;

export class AccessCheckDto {
  @ApiProperty({ example: 'marketing.newsletter', description: 'The purpose the data is used for' })
  @IsString()
  @Matches(PURPOSE_CODE_PATTERN, { message: 'purpose must be a purpose code such as marketing.newsletter' })
  @MaxLength(100)
  purpose!: string;

  @ApiProperty({ example: 'read', description: 'read, write, export, share, profile' })
  @IsString()
  @Matches(ACTION_PATTERN, { message: 'action must be a lower-case word such as read' })
  action!: string;

  @ApiProperty({
    type: [String],
    example: ['crm.customers.email', 'crm.customers.first_name'],
    description: `Field keys (system.dataset.column), 1 to ${MAX_FIELDS_PER_CHECK}`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FIELDS_PER_CHECK)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(300, { each: true })
  fields!: string[];

  @ApiPropertyOptional({
    example: 'customer-42',
    description: 'The data subject; required for consent-based purposes, checked for restrictions',
  })
  @IsOptional()
  @IsSubjectId()
  subjectId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { screen: 'newsletter-composer', requestedBy: 'campaign-7' },
    description: `Free JSON recorded with the decision (up to ${MAX_CONTEXT_BYTES} bytes)`,
  })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: AccessPhase,
    example: AccessPhase.Archive,
    description:
      'active when absent: ordinary use; a purpose whose active phase is over for the subject is denied ' +
      '(ARCHIVED). archive: reaching the intermediate archive, allowed only with an archive grant on the ' +
      'purpose (archivePurposeCodes), a justification and a subject in archive phase (ADR 0054)',
  })
  @IsOptional()
  @IsEnum(AccessPhase)
  phase?: AccessPhase;

  @ApiPropertyOptional({
    example: 'Tax audit 2027-014: invoices of this customer requested by the DGFiP',
    maxLength: MAX_JUSTIFICATION_LENGTH,
    description:
      `Archive phase: why the archive is reached (trimmed, 1 to ${MAX_JUSTIFICATION_LENGTH} characters), ` +
      'recorded with the decision. Missing or blank: deny ARCHIVE_JUSTIFICATION_MISSING. Ignored in the active phase',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_JUSTIFICATION_LENGTH)
  justification?: string;
}

/**
 * The common, valid /access/check body, recognised without class-validator (the hot path). A
 * subset of what the decorators above accept; anything else (including every invalid body) goes
 * through class-validator, which gives the errors. Kept in step with the decorators by
 * access-check.dto.spec.ts.
 */
export function isPlainlyValidAccessCheck(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) if (!CHECK_PROPERTIES.has(key)) return false;
  const { purpose, action, fields, subjectId, context } = body;
  if (typeof purpose !== 'string' || purpose.length > 100 || !PURPOSE_CODE_PATTERN.test(purpose))
    return false;
  if (typeof action !== 'string' || !ACTION_PATTERN.test(action)) return false;
  if (!Array.isArray(fields) || fields.length < 1 || fields.length > MAX_FIELDS_PER_CHECK) return false;
  for (const f of fields) if (typeof f !== 'string' || f.length > 300) return false;
  if (new Set(fields).size !== fields.length) return false;
  if (subjectId !== undefined && !isValidSubjectId(subjectId)) return false;
  if (context !== undefined && (context === null || typeof context !== 'object' || Array.isArray(context)))
    return false;
  return context === undefined || isPlainJson(context);
}

registerPlainlyValid(AccessCheckDto, isPlainlyValidAccessCheck);

export class AccessCheckBatchDto {
  @ApiProperty({
    type: [AccessCheckDto],
    description: `Up to ${MAX_BATCH_CHECKS} checks, answered in order (413 beyond)`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => AccessCheckDto)
  checks!: AccessCheckDto[];
}

export class AccessExplainDto extends AccessCheckDto {
  @ApiPropertyOptional({
    format: 'uuid',
    example: '4c2e8f1a-9b3d-4e6f-a7c8-1d2e3f4a5b6c',
    description:
      'Evaluate as this application principal (its authorised purposes); omitted: the authorisation rule is skipped',
  })
  @IsOptional()
  @IsUUID()
  applicationId?: string;
}
