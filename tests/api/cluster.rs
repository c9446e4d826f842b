//! A throw-away PostgreSQL cluster of the test's own, for tests that stop or restart the
//! database server: the shared server keeps serving every other test meanwhile.

use std::path::PathBuf;
use std::process::Command;

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl PgCluster {
    /// A new cluster on a free port (trust authentication), or `None` when the PostgreSQL
    /// variants are skipped. Its server binaries must then be installed: `.ci/run` installs them.
    pub fn start() -> Option<PgCluster> {
        crate::helpers::postgres_admin_url()?;
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect(
                "PostgreSQL server binaries in /usr/lib/postgresql (Debian's postgresql package)",
            )
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("an initdb under /usr/lib/postgresql/*/bin");
        let dir = tempfile::tempdir().expect("temp dir");
        if is_root() {
            let pg = Command::new("id")
                .args(["-u", "postgres"])
                .output()
                .expect("id");
            let uid: u32 = String::from_utf8_lossy(&pg.stdout)
                .trim()
                .parse()
                .expect("postgres uid");
            std::os::unix::fs::chown(dir.path(), Some(uid), None).expect("chown");
        }
        let cluster = PgCluster {
            dir,
            bin,
            port: free_port(),
        };
        let data = cluster.dir.path().join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                data.to_str().expect("utf-8"),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
        );
        cluster.start_again();
        Some(cluster)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let tool = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(tool);
            c
        } else {
            Command::new(tool)
        };
        let out = cmd.args(args).output().expect("run a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.path().join("data");
        let mut all = vec!["-D", data.to_str().expect("utf-8"), "-w"];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all);
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log");
        self.pg_ctl(&["-o", &options, "-l", log.to_str().expect("utf-8"), "start"]);
    }

    pub fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "stop"]);
    }

    /// Stops the server as a crash would (no clean shutdown), then starts it again.
    pub fn crash_restart(&self) {
        self.pg_ctl(&["-m", "immediate", "stop"]);
        self.start_again();
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let tool = self.bin.join("pg_ctl");
        let args = [
            "-D",
            data.to_str().unwrap_or_default(),
            "-m",
            "immediate",
            "stop",
        ];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(tool)
                .args(args)
                .output()
        } else {
            Command::new(tool).args(args).output()
        };
    }
}
