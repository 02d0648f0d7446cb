import type { MysqlColumnFacts } from '../../src/modules/retention/executors/mysql/mysql-sql-builder';
import type { PurposeFacts } from '../../src/modules/retention/retention-rule';

/** Tables and purposes as the mysql executor's SQL builder specs check them. */

/** A column as information_schema describes it (a varchar is 255 long; nullable unless told). */
export const mysqlColumn = (name: string, dataType: string, nullable = true): MysqlColumnFacts => ({
  name,
  dataType,
  columnType: dataType,
  maxLength: dataType === 'varchar' ? 255 : null,
  nullable,
});

/** `promo`: a contract, one year after collection. */
export const promoPurpose: PurposeFacts = {
  code: 'promo',
  status: 'active',
  legalBasis: 'contract',
  retention: { duration: 'P1Y', trigger: 'collection' },
};

/** The IPv4 and IPv6 prefixes a mysql build generalises addresses to (the service's defaults). */
export const mysqlBuild = { ipPrefixes: { v4: 24, v6: 48 } };
