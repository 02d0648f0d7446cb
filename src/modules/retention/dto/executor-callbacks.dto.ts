import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ActorDto } from '../../purposes/dto/purpose.response.dto';

const MAX_ROWS = 1_000_000_000;

/** What a webhook system reports once it has purged (POST /retention/callbacks/{token}). */
export class WebhookCallbackDto {
  @ApiProperty({ enum: ['completed', 'failed'], example: 'completed' })
  @IsIn(['completed', 'failed'])
  status!: 'completed' | 'failed';

  @ApiProperty({ example: 12, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_ROWS)
  deleted!: number;

  @ApiProperty({ example: 3, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_ROWS)
  anonymised!: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, description: 'Rows kept (legal hold on the system side)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ROWS)
  held?: number;

  @ApiPropertyOptional({ example: 'purged 12 contacts', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string;
}

export class CompleteManualTaskDto {
  @ApiProperty({ example: 4, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_ROWS)
  deleted!: number;

  @ApiProperty({ example: 0, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_ROWS)
  anonymised!: number;

  @ApiPropertyOptional({ example: 'Shredded the paper files of the 4 customers', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class ListManualTasksQueryDto {
  @ApiPropertyOptional({ enum: ['open', 'done', 'cancelled', 'all'], default: 'open', example: 'open' })
  @IsOptional()
  @IsIn(['open', 'done', 'cancelled', 'all'])
  status?: 'open' | 'done' | 'cancelled' | 'all';
}

export class ManualTaskResponseDto {
  @ApiProperty({ format: 'uuid', example: '8e0c2a4f-6b1d-4e3a-9c5f-7a9b1d3e5f70' }) id!: string;
  @ApiProperty({ format: 'uuid', example: '2d7b1c9e-3a4f-4e8b-9c1d-0f2e3a4b5c6d' }) runId!: string;
  @ApiProperty({ example: 'archives' }) system!: string;
  @ApiProperty({ example: 'public.paper_files' }) dataset!: string;
  @ApiProperty({ example: 'Purge in archives / public.paper_files: …' }) instructions!: string;
  @ApiProperty({
    nullable: true,
    type: [String],
    example: ['cust-4711'],
    description: 'Erasure / consent withdrawal: only the records of these subjects (held subjects left out)',
  })
  subjectIds!: string[] | null;
  @ApiProperty({
    type: [String],
    example: ['cust-0815'],
    description: 'Subjects under a legal hold: leave their records untouched',
  })
  excludeSubjectIds!: string[];
  @ApiProperty({ enum: ['open', 'done', 'cancelled'], example: 'open' }) status!: string;
  @ApiProperty({ nullable: true, type: Number, example: null }) deleted!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: null }) anonymised!: number | null;
  @ApiProperty({ nullable: true, type: String, example: null }) note!: string | null;
  @ApiProperty({ type: ActorDto, nullable: true }) completedBy!: ActorDto | null;
  @ApiProperty({ nullable: true, type: Date, example: null }) completedAt!: Date | null;
  @ApiProperty({ example: '2026-05-10T03:00:05.000Z' }) createdAt!: Date;
}

export class ManualTaskListDto {
  @ApiProperty({ type: [ManualTaskResponseDto] }) items!: ManualTaskResponseDto[];
}

export class CallbackAcceptedDto {
  @ApiProperty({ example: true }) accepted!: boolean;
}
