import { registerEnumType } from "type-graphql";
import { EVENT_TYPES } from "../../domain/vocabulary";
import { enumOf } from "../enum-of";

export const EventType = enumOf(EVENT_TYPES);

registerEnumType(EventType, {
  name: "EventType",
  description: "What the user did. Weights per type come from EVENT_WEIGHTS.",
  valuesConfig: {
    RATING: { description: "An explicit rating; `value` holds it and is the event's weight." },
  },
});
