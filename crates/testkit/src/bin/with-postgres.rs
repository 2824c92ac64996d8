//! `with-postgres <command> [args…]`: runs the command with a throwaway PostgreSQL cluster
//! (`portico_testkit::pg`) started for it and stopped after it, its URL in
//! `PORTICO_TEST_POSTGRES`. `make test` runs the portal's integration suite under it, so the
//! same tests run on PostgreSQL as on SQLite; each portal the suite starts makes its own
//! database on the cluster.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: with-postgres <command> [args…]");
        return ExitCode::from(2);
    };
    let cluster = match portico_testkit::pg::PgCluster::start() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("with-postgres: could not start a PostgreSQL cluster: {e:#}");
            return ExitCode::from(1);
        }
    };
    let status = Command::new(&program).args(args).env("PORTICO_TEST_POSTGRES", cluster.url("postgres")).status();
    drop(cluster);
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(u8::try_from(s.code().unwrap_or(1)).unwrap_or(1)),
        Err(e) => {
            eprintln!("with-postgres: could not run {program}: {e}");
            ExitCode::from(1)
        }
    }
}
