import { BootstrapAdminKeysService } from '../../src/modules/principals/bootstrap-admin-keys.service';
import { PrincipalAuthenticationService } from '../../src/modules/principals/principal-authentication.service';
import { PrincipalsModule } from '../../src/modules/principals/principals.module';
import { PrincipalsRepository } from '../../src/modules/principals/principals.repository';
import { PrincipalsService } from '../../src/modules/principals/principals.service';
import type { Actor } from '../../src/policies/principal';
import { Role } from '../../src/policies/role.enum';
import { IntegrationContext, startIntegrationModule } from '../utils/integration-module';
import { queryRows } from '../utils/test-database';

const ADMIN: Actor = { type: 'principal', id: '00000000-0000-4000-8000-000000000001', name: 'Admin' };

describe('Principals services and repository on PostgreSQL (integration)', () => {
  let ctx: IntegrationContext;
  let principals: PrincipalsService;
  let authentication: PrincipalAuthenticationService;
  let repository: PrincipalsRepository;

  beforeAll(async () => {
    ctx = await startIntegrationModule({ imports: [PrincipalsModule] });
    principals = ctx.get(PrincipalsService);
    authentication = ctx.get(PrincipalAuthenticationService);
    repository = ctx.get(PrincipalsRepository);
  });
  afterAll(() => ctx?.close());

  const events = async (type: string, principalId: string) =>
    Number(
      (
        await queryRows<{ n: string }>(
          ctx.databaseUrl,
          'SELECT count(*) AS n FROM audit_event WHERE type = $1 AND target_id = $2',
          [type, principalId],
        )
      )[0].n,
    );

  it('authenticates a new key through the repository join, then refuses it once revoked', async () => {
    const created = await principals.create({ name: 'Auditor', roles: [Role.Auditor] }, ADMIN);

    const first = await authentication.authenticate(created.key);
    expect(first).toMatchObject({ ok: true, principal: { id: created.id, roles: [Role.Auditor] } });
    const lookup = await repository.lookupKey((await queryKeyHash(created.keyId))!);
    expect(lookup).toMatchObject({ principalId: created.id, roles: [Role.Auditor], disabled: false });

    await principals.revokeKey(created.id, created.keyId, ADMIN);
    expect(await authentication.authenticate(created.key)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await events('principal.created', created.id)).toBe(1);
    expect(await events('key.revoked', created.id)).toBe(1);
    expect(await authentication.authenticate('fin_nope_unknown')).toEqual({
      ok: false,
      reason: 'unknown_key',
    });
  });

  it('creates exactly one bootstrap admin and keeps the last enabled admin enabled', async () => {
    const outcome = await ctx.get(BootstrapAdminKeysService).ensureBootstrapAdmin();
    expect(outcome).toMatchObject({ created: true });
    expect(await ctx.get(BootstrapAdminKeysService).ensureBootstrapAdmin()).toEqual({
      created: false,
      reason: 'admin_exists',
    });
    const adminId = (outcome as { principalId: string }).principalId;

    await expect(principals.update(adminId, { disabled: true }, ADMIN)).rejects.toMatchObject({
      code: 'LAST_ADMIN_REQUIRED',
    });
    expect((await principals.get(adminId)).disabled).toBe(false);
    expect(await events('principal.updated', adminId)).toBe(0);
  });

  async function queryKeyHash(keyId: string): Promise<string | undefined> {
    const rows = await queryRows<{ key_hash: string }>(
      ctx.databaseUrl,
      'SELECT key_hash FROM api_key WHERE id = $1',
      [keyId],
    );
    return rows[0]?.key_hash;
  }
});
