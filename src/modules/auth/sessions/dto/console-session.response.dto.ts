import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../../../../policies/role.enum';

export class SessionPrincipalDto {
  @ApiProperty({ format: 'uuid', example: '0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59' }) id!: string;
  @ApiProperty({ example: 'Claire (DPO)' }) name!: string;
  @ApiProperty({ enum: Role, isArray: true, example: ['dpo'] }) roles!: Role[];
}

/** The console's session: who is signed in, until when, and the anti-CSRF token to send back. */
export class ConsoleSessionResponseDto {
  @ApiProperty({ format: 'uuid', example: '2d7f0c1e-8a4b-4e3f-9c6d-5b1a0e9f8c7d' }) id!: string;
  @ApiProperty({ type: SessionPrincipalDto }) principal!: SessionPrincipalDto;
  @ApiProperty({
    example: 'fin_3kq9x2ab',
    description: 'Visible prefix of the key the session was opened with',
  })
  keyPrefix!: string;
  @ApiProperty({
    example: '2026-12-04T10:30:00.000Z',
    description: 'When the session ends unless a request comes first (idle timeout)',
  })
  idleExpiresAt!: string;
  @ApiProperty({ example: '2026-12-04T22:00:00.000Z', description: 'When the session ends at the latest' })
  expiresAt!: string;
  @ApiProperty({ example: 1800 }) idleTimeoutSeconds!: number;
  @ApiProperty({
    example: 'q3V8m1cX0b2Zr4Q6Yx2Wv8Tt5Uu3Pp1EeJq0c3n5m2S',
    description:
      'Send as X-CSRF-Token on every POST, PUT, PATCH and DELETE authenticated by the session cookie',
  })
  csrfToken!: string;
}
