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
