//! A throwaway PostgreSQL cluster for tests: Debian's `postgresql` binaries, a fresh data
//! directory in a temp dir, a free port on 127.0.0.1, owned and run by an unprivileged user
//! (`nobody` when the tests run as root, who may not run a cluster; else the caller), trust
//! authentication for one superuser. Stopped and removed when dropped. No mock: the real server.

use anyhow::{Context, bail};
use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Who runs the cluster, when it is not the caller (the caller is root).
    runner: Option<&'static str>,
}

/// The superuser the cluster is made with.
const USER: &str = "portico";

impl PgCluster {
    /// initdb, then start; waits until the server accepts connections.
    pub fn start() -> anyhow::Result<PgCluster> {
        let bin = binaries()?;
        let dir = tempfile::Builder::new().prefix("portico-pg-").tempdir()?;
        let runner = is_root().then_some("nobody");
        if runner.is_some() {
            // `nobody` must own the data directory; the temp dir's parent stays root's.
            let status = Command::new("chown").args(["-R", "nobody:nogroup"]).arg(dir.path()).status()?;
            if !status.success() {
                bail!("could not hand {} to nobody", dir.path().display());
            }
        }
        let port = free_port()?;
        let cluster = PgCluster { dir, bin, port, runner };
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"])?;
        let options =
            format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", cluster.dir.path().display());
        let log = format!("{}/server.log", cluster.dir.path().display());
        cluster.run("pg_ctl", &["start", "-w", "-D", &data, "-l", &log, "-o", &options])?;
        Ok(cluster)
    }

    /// A connection URL for database `name` (`postgres` exists from the start).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    fn data(&self) -> String {
        format!("{}/data", self.dir.path().display())
    }

    /// Runs one of the cluster's programs as the cluster's user; fails with its output.
    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let path = self.bin.join(program);
        let mut command = match self.runner {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let out = command.args(args).current_dir(self.dir.path()).stdin(Stdio::null()).output()?;
        if !out.status.success() {
            bail!("{program} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        }
        Ok(())
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run("pg_ctl", &["stop", "-m", "immediate", "-D", &data]);
    }
}

/// The newest installed PostgreSQL's programs (Debian keeps them out of PATH).
fn binaries() -> anyhow::Result<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .with_context(|| format!("{} is missing: install Debian's postgresql (make test does)", root.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).context("no PostgreSQL with initdb under /usr/lib/postgresql")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
