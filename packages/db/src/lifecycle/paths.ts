import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

export const paths = {
  repoRoot,
  schema: `${repoRoot}prisma/schema.prisma`,
  migrations: `${repoRoot}prisma/migrations`,
  /** Settings for `pnpm start`, `dev` and `db:migrate` (git-ignored; see .env.example). */
  envFile: `${repoRoot}.env`,
  /**
   * Where the embedded PostgreSQL keeps its data: `setting` (EMBEDDED_POSTGRES_DATA_DIR), relative to
   * the repository's root unless absolute, or `.data/postgres` (git-ignored).
   */
  embeddedData(setting: string | undefined): string {
    return path.resolve(repoRoot, setting ?? ".data/postgres");
  },
};
