/**
 * A PostgreSQL of a test's own that it can stop and start again on the same port and data (a restart
 * or failover), for tests of what survives one. The local cluster's server, offered here because unit
 * tests inside a package may reach test/support but not scripts/.
 */
export {
  type ClusterPostgres as RestartablePostgres,
  startClusterPostgres as startRestartablePostgres,
} from "../../scripts/cluster/postgres.ts";
