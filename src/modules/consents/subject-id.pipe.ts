import { Injectable, PipeTransform } from '@nestjs/common';
import { isValidSubjectId } from './consent.model';
import { InvalidSubjectId } from './consents.errors';

/** Subject ids in paths: checked (400) before any lookup. */
@Injectable()
export class SubjectIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isValidSubjectId(value)) {
      throw new InvalidSubjectId(
        'subjectId must be 1–200 printable characters without leading or trailing spaces',
      );
    }
    return value;
  }
}
