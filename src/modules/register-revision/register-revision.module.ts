import { Global, Module } from '@nestjs/common';
import { RegisterRevisionService } from './register-revision.service';

@Global()
@Module({
  providers: [RegisterRevisionService],
  exports: [RegisterRevisionService],
})
export class RegisterRevisionModule {}
