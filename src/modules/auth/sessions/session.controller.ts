import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../../common/errors/error-body.dto';
import { AppConfig } from '../../../config/app-config';
import { Action } from '../../../policies/action.enum';
import { CheckPolicy, Public } from '../../../policies/check-policy.decorator';
import type { AuthenticatedRequest } from '../../../policies/request-principal';
import { claimedPrefixOf } from '../../principals/api-key';
import { NoConsoleSession, Unauthenticated } from '../auth.errors';
import { AuthenticationFailures } from '../authentication-failures';
import { ConsoleSessionResponseDto } from './dto/console-session.response.dto';
import { SignInDto } from './dto/sign-in.dto';
import { clearedSessionCookie, cookieIsSecure, sessionCookie, SESSION_COOKIE } from './session.model';
import { SessionService } from './session.service';

/**
 * The console's sign-in (ADR 0043): an API key in, an HttpOnly SameSite=Strict cookie out. The key
 * itself is used once and kept nowhere. Reading and ending the session are open to every signed-in
 * principal (policy Read Me: it concerns only the caller).
 */
@ApiErrorResponses()
@ApiTags('auth')
@ApiCookieAuth(SESSION_COOKIE)
@Controller('auth/session')
export class SessionController {
  constructor(
    private readonly sessions: SessionService,
    private readonly failures: AuthenticationFailures,
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Post()
  @Public()
  @ApiOperation({
    summary: 'Sign in to the console with an API key: sets the session cookie',
    description:
      'Answers the session with its csrfToken, to send as X-CSRF-Token on every unsafe request made with the cookie.',
  })
  @ApiCreatedResponse({ type: ConsoleSessionResponseDto })
  @ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'The key is unknown, revoked or expired' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'CONSOLE_NOT_FOR_APPLICATIONS' })
  async signIn(
    @Body() dto: SignInDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<ConsoleSessionResponseDto> {
    const outcome = await this.sessions.signIn(dto.apiKey);
    if (!outcome.ok) {
      await this.failures.record(String(request.ip), response, {
        reason: outcome.reason,
        method: 'POST',
        route: '/auth/session',
        keyPrefix: outcome.keyPrefix ?? claimedPrefixOf(dto.apiKey),
        keyId: outcome.keyId,
        principalId: outcome.principalId,
      });
      throw new Unauthenticated('The API key is invalid, expired or revoked');
    }
    this.setCookie(response, sessionCookie(outcome.token, this.secure(request)));
    return outcome.session;
  }

  @Get()
  @CheckPolicy(Action.Read, 'Me')
  @ApiOperation({ summary: 'The current console session: principal, roles, expiry and csrfToken' })
  @ApiOkResponse({ type: ConsoleSessionResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Authenticated by an API key, not a session' })
  async current(@Req() request: AuthenticatedRequest): Promise<ConsoleSessionResponseDto> {
    const session = request.consoleSession && (await this.sessions.describe(request.consoleSession.token));
    if (!session) throw new NoConsoleSession('This request is not authenticated by a console session');
    return session;
  }

  @Delete()
  @HttpCode(204)
  @CheckPolicy(Action.Read, 'Me')
  @ApiOperation({ summary: 'Sign out: ends the console session and clears its cookie' })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Authenticated by an API key, not a session' })
  async signOut(
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    if (!request.consoleSession || !request.principal) {
      throw new NoConsoleSession('This request is not authenticated by a console session');
    }
    await this.sessions.signOut(request.consoleSession.id, request.principal);
    this.setCookie(response, clearedSessionCookie(this.secure(request)));
  }

  private secure(request: AuthenticatedRequest): boolean {
    const socket = (request as { socket?: { encrypted?: boolean; remoteAddress?: string } }).socket;
    return cookieIsSecure(this.config.SESSION_COOKIE_SECURE, {
      encrypted: socket?.encrypted === true,
      remoteAddress: socket?.remoteAddress,
    });
  }

  private setCookie(response: unknown, cookie: string): void {
    this.adapterHost.httpAdapter.setHeader(response, 'Set-Cookie', cookie);
  }
}
