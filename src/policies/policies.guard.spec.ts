import { Controller, ExecutionContext, Get, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AbilityFactory } from './ability.factory';
import { AccessMode, Action } from './action.enum';
import { CheckPolicy, Public } from './check-policy.decorator';
import { PoliciesGuard } from './policies.guard';
import { Role } from './role.enum';

@Controller('fixtures')
class FixtureController {
  @Get('open')
  @Public()
  open(): void {}

  @Get('purposes')
  @CheckPolicy(Action.Create, 'Purpose')
  createPurpose(): void {}

  @Get('decide')
  @CheckPolicy(Action.Execute, 'AccessDecision', AccessMode.Check)
  decide(): void {}

  @Get('undeclared')
  undeclared(): void {}
}

function contextFor(handler: keyof FixtureController, roles?: Role[]): ExecutionContext {
  const request = roles
    ? { ability: new AbilityFactory().createFor({ id: 'p1', roles, purposeCodes: [] }) }
    : {};
  return {
    getType: () => 'http',
    getHandler: () => FixtureController.prototype[handler],
    getClass: () => FixtureController,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

describe('PoliciesGuard', () => {
  beforeAll(() => Logger.overrideLogger(false));
  const guard = new PoliciesGuard(new Reflector());

  it('lets public routes through without a principal', () => {
    expect(guard.canActivate(contextFor('open'))).toBe(true);
  });

  it('allows a role the rule table grants, refuses others with FORBIDDEN', () => {
    expect(guard.canActivate(contextFor('createPurpose', [Role.Dpo]))).toBe(true);
    for (const role of [Role.Admin, Role.Auditor, Role.Application]) {
      expect(() => guard.canActivate(contextFor('createPurpose', [role]))).toThrow(
        expect.objectContaining({ code: 'FORBIDDEN' }),
      );
    }
  });

  it("honours the route's field: only applications ask for a recorded decision (mode check)", () => {
    expect(guard.canActivate(contextFor('decide', [Role.Application]))).toBe(true);
    expect(guard.canActivate(contextFor('decide', [Role.Dpo, Role.Application]))).toBe(true);
    for (const role of [Role.Dpo, Role.Admin, Role.Auditor]) {
      expect(() => guard.canActivate(contextFor('decide', [role]))).toThrow(
        expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringMatching(/execute check/) }),
      );
    }
  });

  it('refuses a request without an ability (fail closed)', () => {
    expect(() => guard.canActivate(contextFor('createPurpose'))).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });

  it('refuses a route without @CheckPolicy even to a principal holding every role', () => {
    expect(() =>
      guard.canActivate(contextFor('undeclared', [Role.Admin, Role.Dpo, Role.Auditor, Role.Application])),
    ).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringMatching(/no access policy/) }),
    );
  });
});

/** The route metadata is resolved once per (handler, controller): later requests must see the same answer. */
describe('route metadata resolved once per route', () => {
  beforeAll(() => Logger.overrideLogger(false));

  class BaseController {
    @Get('shared')
    @CheckPolicy(Action.Create, 'Purpose')
    shared(): void {}
  }
  // The same handler function served by a public controller and by a protected one.
  @Public()
  @Controller('public-child')
  class PublicChild extends BaseController {}
  @Controller('protected-child')
  class ProtectedChild extends BaseController {}

  const contextOf = (controller: object, roles?: Role[]) =>
    ({
      getType: () => 'http',
      getHandler: () => BaseController.prototype.shared,
      getClass: () => controller,
      switchToHttp: () => ({
        getRequest: () =>
          roles ? { ability: new AbilityFactory().createFor({ id: 'p1', roles, purposeCodes: [] }) } : {},
      }),
    }) as unknown as ExecutionContext;

  it('keeps refusing a protected route after a public one was served, and the other way round', () => {
    const reflector = new Reflector();
    const lookups = jest.spyOn(reflector, 'getAllAndOverride');
    const guard = new PoliciesGuard(reflector);
    for (let i = 0; i < 3; i += 1) {
      expect(guard.canActivate(contextFor('open'))).toBe(true);
      expect(() => guard.canActivate(contextFor('undeclared', [Role.Admin, Role.Dpo]))).toThrow(
        expect.objectContaining({ code: 'FORBIDDEN' }),
      );
      expect(() => guard.canActivate(contextFor('createPurpose'))).toThrow(
        expect.objectContaining({ code: 'FORBIDDEN' }),
      );
      expect(guard.canActivate(contextOf(PublicChild))).toBe(true);
      expect(() => guard.canActivate(contextOf(ProtectedChild))).toThrow(
        expect.objectContaining({ code: 'FORBIDDEN' }),
      );
      expect(guard.canActivate(contextOf(ProtectedChild, [Role.Dpo]))).toBe(true);
    }
    // Resolved at most once per (handler, controller) pair and key, whatever the number of requests.
    expect(lookups.mock.calls.length).toBeLessThanOrEqual(2 * 5);
  });
});
