import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditIntegrityService } from './audit-integrity.service';
import { AuditQueryService } from './audit-query.service';
import { AuditService } from './audit.service';
import { AuditRepository } from './audit.repository';

/**
 * Global: every module records its events through AuditService. AuditIntegrityService
 * (verify, checkpoints, public key) is exported for the integrity certificate of reports.
 */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditRepository, AuditService, AuditIntegrityService, AuditQueryService],
  exports: [AuditService, AuditIntegrityService],
})
export class AuditModule {}
