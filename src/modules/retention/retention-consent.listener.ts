import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { CONSENT_WITHDRAWN_EVENT, ConsentWithdrawnEvent } from '../consents/consent.model';
import { RetentionService } from './retention.service';

/** Consent withdrawal (consents module) → a subject-level purge for the purpose concerned. */
@Injectable()
export class RetentionConsentListener {
  private readonly logger = new Logger('Retention');

  constructor(private readonly retention: RetentionService) {}

  @OnEvent(CONSENT_WITHDRAWN_EVENT, { async: true, suppressErrors: true })
  async onConsentWithdrawn(event: ConsentWithdrawnEvent): Promise<void> {
    try {
      await this.retention.purgeAfterWithdrawal(event.subjectId, event.purposeCode);
    } catch (err) {
      this.logger.error(
        { err, purposeCode: event.purposeCode },
        'Could not queue the purge after a consent withdrawal',
      );
    }
  }
}
