import { handleCreateUser, handleMethodNotAllowed } from "@enroll/api";
import { getContext } from "@/server/context";

// Hanko's `POST /users`. The rules of sign-up live in @enroll/api: handleCreateUser → createUser.
export const POST = (request: Request) => handleCreateUser(request, getContext());

export { handleMethodNotAllowed as GET, handleMethodNotAllowed as PUT, handleMethodNotAllowed as PATCH };
export { handleMethodNotAllowed as DELETE, handleMethodNotAllowed as OPTIONS };
