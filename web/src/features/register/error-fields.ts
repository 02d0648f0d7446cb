// The mapping lives with the other server-message helpers, shared by every form.
export { errorsByField, type PropertyProblem } from '../../components/errors/server-messages';
