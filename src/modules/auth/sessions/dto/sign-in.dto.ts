import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class SignInDto {
  @ApiProperty({
    example: 'fin_3kq9x2ab_Jq0c3n5m2S8cJ0kq7l1b9Zr4Q6Yx2Wv8Tt5Uu3Pp1Ee',
    description: 'An API key of a person (not an application). Exchanged for a session cookie; never stored.',
  })
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9._~+/=-]+$/, { message: 'apiKey must be an API key' })
  apiKey!: string;
}
