import { Injectable } from '@nestjs/common';
import { SecretCipher, SecretUndecryptable } from '../../common/secrets/secret-cipher';
import type { CreateSystemDto, UpdateSystemDto } from './dto/system.dto';
import type { InventorySystemEntity } from './entities/inventory-system.entity';
import { SystemRuleViolated, SystemSecretUnreadable } from './inventory.errors';
import { connectionStringProblem } from './inventory.model';

/** Associated data binding each encrypted secret to its system and column (see SecretCipher). */
export const connectionContext = (systemCode: string) => `system:${systemCode}:connectionString`;
export const webhookSecretContext = (systemCode: string) => `system:${systemCode}:webhookSecret`;

/**
 * The secrets of a system (a postgres connection string, a webhook secret): encrypted when
 * written, decrypted only for the scan and the retention engine, never returned (ADR 0021).
 */
@Injectable()
export class SystemSecrets {
  constructor(private readonly cipher: SecretCipher) {}

  /** Applies write-only secrets from a DTO; returns the names of the secrets that changed. */
  apply(system: InventorySystemEntity, dto: CreateSystemDto | UpdateSystemDto): string[] {
    const changed: string[] = [];
    // The connection string must be of the system's kind (a mysql:// URL for a mysql system…):
    // the new one, or the stored one when only the kind changes.
    const connection =
      dto.connectionString !== undefined
        ? dto.connectionString
        : dto.kind !== undefined
          ? this.connectionString(system)
          : null;
    const problem = connection ? connectionStringProblem(system.kind, connection) : null;
    if (problem) {
      throw new SystemRuleViolated(`The connection string is refused: ${problem}`, [
        { property: 'connectionString', message: problem },
      ]);
    }
    if (dto.connectionString !== undefined) {
      system.connectionStringEncrypted = dto.connectionString
        ? this.cipher.encrypt(dto.connectionString, connectionContext(system.code))
        : null;
      changed.push('connectionString');
    }
    if (dto.webhookSecret !== undefined) {
      system.webhookSecretEncrypted = dto.webhookSecret
        ? this.cipher.encrypt(dto.webhookSecret, webhookSecretContext(system.code))
        : null;
      changed.push('webhookSecret');
    }
    return changed;
  }

  /** The connection string, or null when none is stored. */
  connectionString(system: InventorySystemEntity): string | null {
    return system.connectionStringEncrypted
      ? this.decrypt(system.connectionStringEncrypted, connectionContext(system.code), system.code)
      : null;
  }

  /** The webhook secret, or null when none is stored. */
  webhookSecret(system: InventorySystemEntity): string | null {
    return system.webhookSecretEncrypted
      ? this.decrypt(system.webhookSecretEncrypted, webhookSecretContext(system.code), system.code)
      : null;
  }

  private decrypt(stored: string, context: string, code: string): string {
    try {
      return this.cipher.decrypt(stored, context);
    } catch (e) {
      if (e instanceof SecretUndecryptable) {
        throw new SystemSecretUnreadable(
          `The secrets of system "${code}" cannot be decrypted: was SECRETS_KEY changed? Set them again`,
        );
      }
      throw e;
    }
  }
}
