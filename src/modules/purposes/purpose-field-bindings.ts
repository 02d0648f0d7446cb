import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A special-category (art. 9/10) field bound to a purpose. */
export interface SpecialFieldBinding {
  purposeCode: string;
  fieldKey: string;
}

/** Reads, in the caller's transaction, the special-category fields bound to any of `purposeCodes`. */
export type SpecialFieldBindingReader = (
  manager: EntityManager,
  purposeCodes: string[],
) => Promise<SpecialFieldBinding[]>;

/**
 * What the purpose register needs to know of field bindings, without depending on the inventory:
 * the inventory imports the purposes module (to check bindings against purposes), so the purposes
 * module cannot import it back. The inventory registers its reader here at start-up (the pattern
 * of JobHandlerRegistry); without an inventory module no field can be bound, and the answer is none.
 */
@Injectable()
export class PurposeFieldBindings {
  private reader: SpecialFieldBindingReader | null = null;

  register(reader: SpecialFieldBindingReader): void {
    if (this.reader) throw new Error('A special-category field binding reader is already registered');
    this.reader = reader;
  }

  async specialFieldsBoundTo(manager: EntityManager, purposeCodes: string[]): Promise<SpecialFieldBinding[]> {
    if (!this.reader || purposeCodes.length === 0) return [];
    return this.reader(manager, purposeCodes);
  }
}
