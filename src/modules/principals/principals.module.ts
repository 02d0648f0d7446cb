import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PurposesModule } from '../purposes/purposes.module';
import { ApiKeyEntity } from './entities/api-key.entity';
import { PrincipalEntity } from './entities/principal.entity';
import { MeController } from './me.controller';
import { PrincipalsController } from './principals.controller';
import { PrincipalAuthenticationService } from './principal-authentication.service';
import { PrincipalsRepository } from './principals.repository';
import { PrincipalsService } from './principals.service';
import { AuthenticationCache } from './authentication-cache';
import { BootstrapAdminKeysService } from './bootstrap-admin-keys.service';
import { PrincipalCredentials } from './principal-credentials';

@Module({
  imports: [TypeOrmModule.forFeature([PrincipalEntity, ApiKeyEntity]), PurposesModule],
  controllers: [PrincipalsController, MeController],
  providers: [
    PrincipalsService,
    BootstrapAdminKeysService,
    PrincipalCredentials,
    PrincipalAuthenticationService,
    PrincipalsRepository,
    AuthenticationCache,
  ],
  exports: [PrincipalsService, BootstrapAdminKeysService, PrincipalAuthenticationService],
})
export class PrincipalsModule {}
