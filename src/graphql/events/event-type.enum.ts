import { registerEnumType } from "type-graphql";
import { type EventType as EventTypeName } from "../../domain/vocabulary";
import { EVENT_TYPES } from "../../domain/vocabulary";

export const EventType = Object.fromEntries(EVENT_TYPES.map((t) => [t, t])) as { [K in EventTypeName]: K };

registerEnumType(EventType, {
  name: "EventType",
  description: "What the user did. Weights per type come from EVENT_WEIGHTS.",
  valuesConfig: {
    RATING: { description: "An explicit rating; `value` holds it and is the event's weight." },
  },
});
