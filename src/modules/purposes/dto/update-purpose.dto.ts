import { PurposeDeclarationDto } from './purpose-declaration.dto';

/** Partial update: absent properties are unchanged; null clears a value (a sub-purpose then inherits it). */
export class UpdatePurposeDto extends PurposeDeclarationDto {}
