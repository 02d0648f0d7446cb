import { Module } from '@nestjs/common';
import { ConsentsModule } from '../consents/consents.module';
import { InventoryModule } from '../inventory/inventory.module';
import { PrincipalsModule } from '../principals/principals.module';
import { PurposesModule } from '../purposes/purposes.module';
import { AccessController } from './access.controller';
import { AccessService } from './access.service';
import { CompiledPolicyService } from './compiled-policy.service';

@Module({
  imports: [PurposesModule, InventoryModule, ConsentsModule, PrincipalsModule],
  controllers: [AccessController],
  providers: [AccessService, CompiledPolicyService],
  exports: [AccessService],
})
export class AccessModule {}
