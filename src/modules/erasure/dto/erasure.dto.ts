import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ActorDto } from '../../purposes/dto/purpose.response.dto';
import { RetentionRunDatasetDto } from '../../retention/dto/retention-run.dto';

export class RequestErasureDto {
  @ApiPropertyOptional({
    example: 'Art. 17 request received by e-mail on 2026-05-09 (ticket 8812)',
    maxLength: 1000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class ErasureRequestResponseDto {
  @ApiProperty({ format: 'uuid', example: '9a1e4c1b-5d3f-4b7e-8a2c-1f0e9d8c7b6a' }) id!: string;
  @ApiProperty({ example: 'cust-4711' }) subjectId!: string;
  @ApiProperty({
    enum: ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'],
    example: 'completed',
    description: 'The status of the run carrying out the request',
  })
  status!: string;
  @ApiProperty({
    format: 'uuid',
    example: '2d7b1c9e-3a4f-4e8b-9c1d-0f2e3a4b5c6d',
    description: 'The retention run (kind erasure) carrying it out',
  })
  runId!: string;
  @ApiProperty({ nullable: true, type: String, example: 'ticket 8812' }) reason!: string | null;
  @ApiProperty({ type: ActorDto }) requestedBy!: ActorDto;
  @ApiProperty({ example: '2026-05-10T09:00:00.000Z' }) requestedAt!: Date;
  @ApiProperty({ nullable: true, type: Date, example: '2026-05-10T09:04:12.000Z' }) completedAt!: Date | null;
  @ApiProperty({
    type: [RetentionRunDatasetDto],
    description:
      'Per dataset: what was erased, and what was kept with the reason (legal obligation, legal hold)',
  })
  datasets!: RetentionRunDatasetDto[];
}

export class ErasureRequestListDto {
  @ApiProperty({ type: [ErasureRequestResponseDto] }) items!: ErasureRequestResponseDto[];
}
