import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The purposes on which an application may reach the intermediate archive (issue 15, ADR 0054):
 * an explicit grant, separate from and included in its purpose authorisations; none by default.
 */
export class PrincipalArchiveAccess1795400822000 implements MigrationInterface {
  name = 'PrincipalArchiveAccess1795400822000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE principal ADD COLUMN archive_purpose_codes jsonb NOT NULL DEFAULT '[]'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE principal DROP COLUMN archive_purpose_codes`);
  }
}
