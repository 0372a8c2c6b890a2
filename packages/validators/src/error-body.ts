import { z } from "zod";

/** Every error that Enroll answers with, on either door: the HTTP status and a plain sentence. */
export const errorBody = z.object({
  code: z.int32(),
  message: z.string(),
});

export type ErrorBody = z.infer<typeof errorBody>;
