import { buildDatasetRule } from '../../retention-rule';
import {
  customerPurposes,
  customersPlan,
  customersTable,
  pgColumn,
} from '../../../../../test/factories/postgres-customers.factory';
import type { TableFacts } from './sql-builder';
import { executionProblems } from './table-check';

describe('what the customer table cannot take (executionProblems)', () => {
  it('reports a malicious registered column before any SQL is built', () => {
    const rule = buildDatasetRule(
      customersPlan({}, [
        {
          key: 'crm.customers.x',
          column: 'email" = NULL; DROP TABLE customers; --',
          dataCategory: 'contact',
          special: false,
          anonymisation: { strategy: 'nullify' as never },
          bindings: [{ purposeCode: 'crm.support' }],
        },
      ]),
      customerPurposes,
    );
    expect(executionProblems(rule, customersTable)).toEqual([expect.stringMatching(/unsafe identifier/)]);
  });

  it('reports columns, keys and strategies the customer table cannot take', () => {
    const rule = buildDatasetRule(customersPlan({ primaryKey: ['customer_ref'] }), customerPurposes);
    const narrow: TableFacts = {
      primaryKey: ['id'],
      referencedBy: [],
      columns: new Map(
        [...customersTable.columns]
          .filter(([n]) => n !== 'name')
          .concat([['email', pgColumn('email', 'character varying', true, 20)]]),
      ),
    };
    const problems = executionProblems(rule, narrow);
    expect(problems).toEqual(
      expect.arrayContaining([
        'column name does not exist in public.customers',
        expect.stringMatching(/registered primary key \(customer_ref\) is not the table's \(id\)/),
        expect.stringMatching(/"hash" needs room for 69 characters/),
      ]),
    );
    expect(executionProblems(buildDatasetRule(customersPlan(), customerPurposes), null)).toEqual([
      "table public.customers does not exist in the system's database",
    ]);
  });
});
