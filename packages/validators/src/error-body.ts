import { z } from "zod";

/** Every error that Enroll answers with, on either door: the HTTP status and a plain sentence. */
export const errorBody = z.object({
  code: z.int32().meta({ description: "The HTTP status code of the response", format: "int32" }),
  message: z.string().meta({ description: "What went wrong, in plain words" }),
});

export type ErrorBody = z.infer<typeof errorBody>;
