import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** Global: every module records its events through AuditService. */
@Global()
@Module({
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
