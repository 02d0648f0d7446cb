import { ArgumentsHost, HttpException, Logger, NotFoundException } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { QueryFailedError } from 'typeorm';
import { domainError, ErrorKind } from './domain-error';
import { HttpErrorFilter } from './http-error.filter';

class PurposeGone extends domainError('PURPOSE_NOT_FOUND', ErrorKind.NotFound) {}

const queryFailed = (driverError: Record<string, unknown>) =>
  new QueryFailedError('INSERT …', [], Object.assign(new Error('db said no'), driverError));

describe('HttpErrorFilter.toBody', () => {
  const filter = new HttpErrorFilter();

  it.each([
    ['a domain error, by kind', new PurposeGone('No purpose x'), 404, 'PURPOSE_NOT_FOUND'],
    ['a framework HTTP error', new NotFoundException('Cannot GET /x'), 404, 'NOT_FOUND'],
    ['a unique violation', queryFailed({ code: '23505' }), 409, 'CONFLICT'],
    [
      'a NOT NULL violation (a DTO gap)',
      queryFailed({ code: '23502', column: 'name' }),
      400,
      'VALIDATION_FAILED',
    ],
    ['a value PostgreSQL cannot parse', queryFailed({ code: '22P02' }), 400, 'BAD_REQUEST'],
    ['a lost database', queryFailed({ code: '57P01' }), 503, 'DATABASE_UNAVAILABLE'],
    ['any other query failure', queryFailed({ code: '42P01' }), 500, 'INTERNAL_ERROR'],
    ['a bug', new TypeError('x is undefined'), 500, 'INTERNAL_ERROR'],
  ])('maps %s', (_name, exception, status, code) => {
    const body = filter.toBody(exception);
    expect(body).toMatchObject({ statusCode: status, error: code, message: expect.any(String) });
  });

  it("maps Fastify's router and body-limit errors to the one shape", () => {
    const fastifyError = (statusCode: number, message: string) =>
      Object.assign(new Error(message), { name: 'FastifyError', statusCode });
    expect(filter.toBody(fastifyError(400, "'/x/%E0' is not a valid url component"))).toMatchObject({
      statusCode: 400,
      error: 'BAD_REQUEST',
    });
    expect(filter.toBody(fastifyError(414, 'too long'))).toMatchObject({
      statusCode: 414,
      error: 'URI_TOO_LONG',
    });
    expect(
      new HttpErrorFilter({ BODY_LIMIT_BYTES: 1024 } as AppConfig).toBody(new HttpException('big', 413)),
    ).toEqual({
      statusCode: 413,
      error: 'PAYLOAD_TOO_LARGE',
      message: 'The request body exceeds the limit of 1024 bytes',
    });
  });

  it('names the missing column, never the values', () => {
    expect(filter.toBody(queryFailed({ code: '23502', column: 'name' })).message).toBe(
      'A required value is missing: name',
    );
  });
});

describe('HttpErrorFilter.catch during an outage', () => {
  it('logs the first refused request with its error and counts the others, instead of one stack each', () => {
    const filter = new HttpErrorFilter();
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const json = jest.fn();
    const reply = { type: () => ({ send: json }) };
    const response = { raw: { headersSent: false, removeHeader: jest.fn() }, status: jest.fn(() => reply) };
    const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
    try {
      for (let i = 0; i < 500; i += 1) filter.catch(queryFailed({ code: 'ECONNREFUSED' }), host);
      expect(json).toHaveBeenCalledTimes(500);
      expect(response.status).toHaveBeenLastCalledWith(503);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error.mock.calls[0][0]).toMatchObject({ code: 'DATABASE_UNAVAILABLE', err: expect.any(Error) });
    } finally {
      filter.onModuleDestroy();
      error.mockRestore();
    }
  });
});
