import { createUserInput, passcodeFinalizeInput, passcodeInitializeInput } from "@enroll/validators";
import { readJsonBody } from "../http/body.ts";
import { jsonResponse, type HttpRequest, type HttpResponse } from "../http/exchange.ts";
import { errorResponse } from "../http/failures.ts";
import type { Services } from "../http/services.ts";
import { rateLimitHeaders, sessionHeaders } from "../http/sign-up-answer.ts";
import { admitLookUp, finalizePasscode, initializePasscode, lookUpUser, publicConfigOf } from "../users/sign-in.ts";

/** `GET /.well-known/config`: what a frontend such as Hanko's elements needs to know of the service. */
export async function getPublicConfig(_request: HttpRequest, { config }: Services): Promise<HttpResponse> {
  return jsonResponse(200, publicConfigOf(config));
}

/**
 * `POST /user`: who owns an address, for a frontend deciding between signing in and signing up.
 * Counted against the sign-up limit per client (before the body is read), as it tells what a
 * sign-up's 409 tells.
 */
export async function postUserLookUp(request: HttpRequest, services: Services): Promise<HttpResponse> {
  const limitHeaders = rateLimitHeaders(await admitLookUp(services, request.requester));
  try {
    const { email } = createUserInput.parse(await readJsonBody(request));
    return jsonResponse(200, await lookUpUser(services, email), limitHeaders);
  } catch (error) {
    return errorResponse(error, limitHeaders);
  }
}

/** `POST /passcode/login/initialize`: sends a passcode, in the language of the request's `Accept-Language`. */
export async function postPasscodeInitialize(request: HttpRequest, services: Services): Promise<HttpResponse> {
  const input = passcodeInitializeInput.parse(await readJsonBody(request));
  const { passcode, limit } = await initializePasscode(services, {
    userId: input.user_id,
    emailId: input.email_id,
    requester: request.requester,
    acceptLanguage: request.header("accept-language"),
  });
  return jsonResponse(200, passcode, rateLimitHeaders(limit));
}

/** `POST /passcode/login/finalize`: signs in with a passcode; the session comes as a sign-up's does. */
export async function postPasscodeFinalize(request: HttpRequest, services: Services): Promise<HttpResponse> {
  const { id, code } = passcodeFinalizeInput.parse(await readJsonBody(request));
  const { passcode, session } = await finalizePasscode(services, { id, code, requester: request.requester });
  return jsonResponse(200, passcode, sessionHeaders(session, services.config.session));
}
