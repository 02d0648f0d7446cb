import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../../policies/principal';
import { RegisterImportResultDto } from './dto/register.dto';
import { RegisterDocument } from './register-document';
import { RegisterExportService } from './register-export.service';
import { RegisterImportService } from './register-import.service';

/**
 * The register as code, as the register controller reaches it: the export
 * (RegisterExportService) and the all-or-nothing import (RegisterImportService).
 */
@Injectable()
export class RegisterIoService {
  constructor(
    private readonly registerExport: RegisterExportService,
    private readonly registerImport: RegisterImportService,
  ) {}

  export(format: 'yaml' | 'json' = 'yaml'): Promise<{ contentType: string; body: string }> {
    return this.registerExport.export(format);
  }

  import(body: unknown, dryRun: boolean, actor: Actor): Promise<RegisterImportResultDto> {
    return this.registerImport.import(body, dryRun, actor);
  }

  /** The register as it is now, in canonical form (what export returns and import diffs against). */
  currentDocument(m: EntityManager): Promise<RegisterDocument> {
    return this.registerExport.currentDocument(m);
  }
}
