import { Global, Module } from '@nestjs/common';
import { RegisterRevisionRepository } from './register-revision.repository';
import { RegisterRevisionService } from './register-revision.service';

@Global()
@Module({
  providers: [RegisterRevisionService, RegisterRevisionRepository],
  exports: [RegisterRevisionService],
})
export class RegisterRevisionModule {}
