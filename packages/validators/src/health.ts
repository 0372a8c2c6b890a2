import { z } from "zod";

/** `GET /health/alive`'s answer: the process answers. */
export const aliveAnswer = z.object({
  alive: z.literal(true).meta({ description: "Always true: an answer at all is the news" }),
});

/** `GET /health/ready`'s answer: whether the database answered within a second. */
export const readyAnswer = z.object({
  ready: z.boolean().meta({ description: "true with 200, false with 503" }),
});

export type AliveAnswer = z.infer<typeof aliveAnswer>;
export type ReadyAnswer = z.infer<typeof readyAnswer>;
