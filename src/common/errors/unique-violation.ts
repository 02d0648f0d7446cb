/**
 * A `.catch` handler that turns PostgreSQL's unique violation (23505) into the domain error made
 * by `make` (two concurrent creates of one code: the loser gets the same 409 as a sequential one).
 */
export function rethrowUniqueAs(make: () => Error) {
  return (err: unknown): never => {
    const code = (err as { driverError?: { code?: string } }).driverError?.code;
    throw code === '23505' ? make() : err;
  };
}
