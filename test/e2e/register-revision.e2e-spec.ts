import { Role } from '../../src/policies/role.enum';
import { RegisterRevisionService } from '../../src/modules/register-revision/register-revision.service';
import { purposeInput } from '../factories/purpose.factory';
import { connectTo } from '../utils/test-database';
import { startTestApp, TestApp } from '../utils/test-app';

describe('Register revision', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('increments on each committed register change and announces the new number', async () => {
    const revisions = t.app.get(RegisterRevisionService);
    const listener = await connectTo(t.databaseUrl!);
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query('LISTEN finalite_register');
    try {
      const before = await revisions.current();
      const { code } = purposeInput();
      await t.as(Role.Dpo).post('/purposes').send(purposeInput({ code })).expect(201);
      await t
        .as(Role.Dpo)
        .post(`/purposes/${code as string}/activate`)
        .expect(200);
      // A refused change (rule violation) rolls back: no bump, no notification.
      await t
        .as(Role.Dpo)
        .post(`/purposes/${code as string}/activate`)
        .expect(409);
      const after = await revisions.current();
      expect(after).toBe(before + 2);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toEqual([String(before + 1), String(before + 2)]);
    } finally {
      await listener.end();
    }
  });
});
