/**
 * A client's mistake: a field and why its value is refused. Every layer may throw it (validation,
 * services, jobs, CSV readers); the GraphQL layer answers it as BAD_USER_INPUT and the CLI as a
 * usage problem, never as our failure.
 */
export class InputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "InputError";
  }
}
