import { registerEnumType } from "type-graphql";
import { EVENT_TYPES, type EventType as EventTypeName } from "../../config";

export const EventType = Object.fromEntries(EVENT_TYPES.map((t) => [t, t])) as { [K in EventTypeName]: K };

registerEnumType(EventType, {
  name: "EventType",
  description: "What the user did. Weights per type come from EVENT_WEIGHTS.",
  valuesConfig: {
    RATING: { description: "An explicit rating; `value` holds it and is the event's weight." },
  },
});
