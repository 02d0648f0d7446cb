import type { ProcessorResponseDto } from './dto/processor.dto';
import type { ProcessorEntity } from './entities/processor.entity';
import {
  ProcessingLocation,
  ProcessorAgreement,
  ProcessorDeclaration,
  processorTransfers,
  SubProcessor,
} from './processor.model';

const orNull = <T>(v: T | null | undefined): T | null =>
  v === undefined || v === null || v === '' ? null : v;

function location(l: ProcessingLocation): ProcessingLocation {
  return { country: l.country, mechanism: orNull(l.mechanism), reference: orNull(l.reference) };
}

function agreement(a: ProcessorAgreement | null | undefined): ProcessorAgreement | null {
  if (!a) return null;
  const out = { signedOn: orNull(a.signedOn), reference: orNull(a.reference), reviewOn: orNull(a.reviewOn) };
  return out.signedOn || out.reference || out.reviewOn ? out : null;
}

/** A declaration in its stored, compared and audited form: every optional part null when absent. */
export type NormalisedProcessor = Required<ProcessorDeclaration> & {
  processingLocations: ProcessingLocation[];
  subProcessors: SubProcessor[];
};

export function normaliseDeclaration(p: ProcessorDeclaration): NormalisedProcessor {
  return {
    code: p.code,
    name: p.name,
    contact: orNull(p.contact),
    country: p.country,
    service: orNull(p.service),
    agreement: agreement(p.agreement),
    processingLocations: (p.processingLocations ?? []).map(location),
    subProcessors: (p.subProcessors ?? []).map((s): SubProcessor => ({
      name: s.name,
      service: orNull(s.service),
      ...location(s),
    })),
  };
}

export function declarationOf(e: ProcessorEntity): NormalisedProcessor {
  return normaliseDeclaration({
    code: e.code,
    name: e.name,
    contact: e.contact,
    country: e.country,
    service: e.service,
    agreement: e.agreement,
    processingLocations: e.processingLocations,
    subProcessors: e.subProcessors,
  });
}

export function toProcessorResponse(e: ProcessorEntity): ProcessorResponseDto {
  const d = declarationOf(e);
  return {
    ...d,
    transfers: processorTransfers(d),
    version: e.version,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}
