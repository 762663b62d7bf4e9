/** Errors of the serving layer that the transport answers with a code of their own. */

/** The event store could not take the event after its retries: nothing was acknowledged. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the event store is unavailable; the event was not recorded, retry with the same idempotency key", {
      cause,
    });
    this.name = "StoreUnavailableError";
  }
}
