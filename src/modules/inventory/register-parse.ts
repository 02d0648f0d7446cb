import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseDocument } from 'yaml';
import { flattenValidationErrors } from '../../common/errors/validation';
import { findUnsafeKey, prototypeKeyMessage } from '../../common/http/prototype-keys';
import { checkYamlLimits, YAML_LIMITS, YamlLimits } from '../../common/http/yaml-limits';
import { RegisterDocumentDto } from './dto/register.dto';
import { RegisterInvalid, RegisterMalformed, RegisterTooLarge } from './inventory.errors';
import { canonicalRegister, RegisterDocument } from './register-document';

type Json = Record<string, unknown>;

/**
 * The body of a register import as a canonical document: parsed (parseRegisterBody), then checked
 * against the document's shape (RegisterDocumentDto), every problem listed. The rules about its
 * content are validateRegister's (register-validation.ts).
 */
export function parseRegisterDocument(body: unknown): RegisterDocument {
  const raw = parseRegisterBody(body);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length === 0) {
    throw new RegisterMalformed(
      'The body must be a register document (YAML with Content-Type application/yaml, or a JSON object)',
      [{ path: '(document)', message: 'expected a mapping with format, purposes and systems' }],
    );
  }
  const dto = plainToInstance(RegisterDocumentDto, raw);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const problems = flattenValidationErrors(errors).flatMap((p) =>
      p.constraints.map((message) => ({ path: p.property, message })),
    );
    throw new RegisterInvalid(
      `The register document is invalid (${problems.length} problem(s)); nothing was imported`,
      problems,
    );
  }
  return canonicalRegister(JSON.parse(JSON.stringify(raw)) as Json);
}

/**
 * The body of a register import as a plain value: a string (YAML, whatever its content type:
 * application/yaml, application/x-yaml, text/yaml, text/plain) is bounded first (size, depth,
 * nodes, aliases: before the parser sees it), then parsed with a closed schema; any object (JSON)
 * is taken as parsed. Every failure is a REGISTER_MALFORMED 400 (REGISTER_TOO_LARGE 413 for size),
 * never a parser exception. Prototype keys are refused at any depth in both.
 */
export function parseRegisterBody(body: unknown, limits: YamlLimits = YAML_LIMITS): unknown {
  const raw = typeof body === 'string' ? parseRegisterYaml(body, limits) : body;
  const unsafe = findUnsafeKey(raw);
  if (unsafe?.kind === 'prototype') {
    throw new RegisterMalformed(`The register document holds a refused key: ${unsafe.path}`, [
      { path: unsafe.path, message: prototypeKeyMessage(unsafe.path) },
    ]);
  }
  if (unsafe) {
    // A node that contains itself (`a: &x [*x]`): no document can mean that.
    throw new RegisterMalformed(`The register document refers to itself at ${unsafe.path}`, [
      { path: unsafe.path, message: 'an alias refers to a node that contains it (a cycle)' },
    ]);
  }
  return raw;
}

function parseRegisterYaml(text: string, limits: YamlLimits): unknown {
  const breach = checkYamlLimits(text, limits);
  if (breach?.limit === 'bytes') {
    throw new RegisterTooLarge(`${breach.message}; nothing was imported`, {
      limit: breach.max,
    });
  }
  if (breach) {
    throw new RegisterMalformed(`${breach.message}; nothing was imported`, [
      { path: `line ${breach.line}`, message: `${breach.limit} limit: ${breach.max}` },
    ]);
  }
  const parsed = parseDocument(text, {
    prettyErrors: true,
    uniqueKeys: true,
    // YAML 1.2 core schema only: no `<<` merge keys, no custom or 1.1 tags (!!binary, !!set…).
    version: '1.2',
    schema: 'core',
    merge: false,
    resolveKnownTags: false,
  });
  // A warning is a tag the schema does not know, or the like: the register never holds one.
  const problems = [...parsed.errors, ...parsed.warnings];
  if (problems.length) {
    throw new RegisterMalformed(
      'The register document is not valid YAML',
      problems.map((e) => ({
        path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(document)',
        message: e.message.split('\n')[0],
      })),
    );
  }
  try {
    return parsed.toJS({ maxAliasCount: limits.maxAliases }) as unknown;
  } catch (e) {
    // e.g. "Excessive alias count indicates a resource exhaustion attack": the caller's input.
    throw new RegisterMalformed('The register document is not valid YAML', [
      { path: '(document)', message: (e as Error).message },
    ]);
  }
}
