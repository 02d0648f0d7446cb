import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ApiResponse, DECORATORS } from '@nestjs/swagger';
import { PUBLIC_KEY } from '../../policies/check-policy.decorator';
import { ErrorBodyDto } from '../errors/error-body.dto';

/** The errors any route can answer, in the one error body shape (see HttpErrorFilter). */
const COMMON_ERRORS: Record<number, { description: string; error: string; message: string }> = {
  400: {
    description: 'Malformed JSON, path parameter, query or body (one `details` entry per invalid property)',
    error: 'VALIDATION_FAILED',
    message: 'The request is invalid',
  },
  401: {
    description: 'No API key, a malformed Authorization header, or a revoked or expired key',
    error: 'UNAUTHENTICATED',
    message: 'Authenticate with Authorization: Bearer <API key>',
  },
  403: {
    description: "The caller's roles do not allow this action",
    error: 'FORBIDDEN',
    message: 'Not allowed',
  },
  404: {
    description: 'No such resource (or not visible to the caller)',
    error: 'NOT_FOUND',
    message: 'Not found',
  },
  413: {
    description: 'The body is larger than BODY_LIMIT_BYTES',
    error: 'PAYLOAD_TOO_LARGE',
    message: 'The request body is too large',
  },
  429: {
    description:
      'Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed ' +
      'authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds',
    error: 'RATE_LIMITED',
    message: 'Too many requests for this API key; retry after the delay in Retry-After',
  },
};

/** Documented once per controller; 401 and 403 on each of its routes that is not @Public(). */
const CONTROLLER_STATUSES = [400, 404, 413, 429];
const AUTHENTICATED_STATUSES = [401, 403];

type Responses = Record<string, unknown> | undefined;

function errorResponse(status: number): MethodDecorator & ClassDecorator {
  const { description, error, message } = COMMON_ERRORS[status];
  return ApiResponse({
    status,
    type: ErrorBodyDto,
    description,
    example: { statusCode: status, error, message },
  });
}

/**
 * Documents the errors common to every route of a controller (400, 401, 403, 404, 413, 429) with
 * the ErrorBodyDto schema. Put it first (above the other class decorators): a status the
 * controller or a route already documents keeps its own, more specific description; routes
 * marked @Public() (or a @Public() controller) get no 401/403.
 */
export function ApiErrorResponses(): ClassDecorator {
  return (target) => {
    const classResponses = Reflect.getMetadata(DECORATORS.API_RESPONSE, target) as Responses;
    for (const status of CONTROLLER_STATUSES) {
      if (classResponses?.[status] === undefined) errorResponse(status)(target);
    }
    if (Reflect.getMetadata(PUBLIC_KEY, target) === true) return;

    const prototype = target.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name === 'constructor') continue; // the class itself, which carries the controller's path
      const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
      const handler = descriptor?.value as object | undefined;
      if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined)
        continue;
      if (Reflect.getMetadata(PUBLIC_KEY, handler) === true) continue;
      const responses = Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) as Responses;
      if (responses === undefined) {
        // Swagger infers the success status only when a route documents no response at all: keep it.
        ApiResponse({ status: successStatusOf(handler), description: '' })(prototype, name, descriptor!);
      }
      for (const status of AUTHENTICATED_STATUSES) {
        // A route's own response wins over the controller's in the document: never shadow one.
        if (responses?.[status] === undefined && classResponses?.[status] === undefined) {
          errorResponse(status)(prototype, name, descriptor!);
        }
      }
    }
  };
}

function successStatusOf(handler: object): number {
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
  if (code) return code;
  return Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST ? 201 : 200;
}
