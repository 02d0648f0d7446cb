import { Global, Module } from '@nestjs/common';
import { AuditAccessSummaryService } from './audit-access-summary.service';
import { AuditController } from './audit.controller';
import { AuditDecisionsController } from './audit-decisions.controller';
import { AuditDecisionRepository } from './audit-decision.repository';
import { AuditDecisionSearchService } from './audit-decision-search.service';
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
  controllers: [AuditController, AuditDecisionsController],
  providers: [
    AuditRepository,
    AuditService,
    AuditIntegrityService,
    AuditQueryService,
    AuditAccessSummaryService,
    AuditDecisionRepository,
    AuditDecisionSearchService,
  ],
  exports: [AuditService, AuditIntegrityService, AuditAccessSummaryService],
})
export class AuditModule {}
