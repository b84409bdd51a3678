//! Real brokers for the tests: each started as a child process on 127.0.0.1 and a free
//! port, in a temporary folder, stopped by its own pid (and waited for) when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether `program` is on the PATH (or is an existing path).
pub fn installed(program: &str) -> bool {
    if Path::new(program).is_absolute() {
        return Path::new(program).exists();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// `None` (with a note) when `program` is missing and we are not in CI; in CI a missing
/// server is a failure, so that a machine without it never passes by skipping.
pub fn require(program: &str, test: &str) -> Option<()> {
    if installed(program) {
        return Some(());
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: `{program}` is not installed; .ci/run installs it");
    }
    eprintln!("{test}: skipped: `{program}` is not installed (see .ci/run)");
    None
}

fn wait_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Which broker, and how to start it again on the same port with the same data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mosquitto,
    Nats,
    RabbitMq,
    Tansu,
}

/// A running broker.
#[derive(Debug)]
pub struct Server {
    pub kind: Kind,
    pub port: u16,
    dist_port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    log: PathBuf,
    starts: u32,
}

impl Server {
    /// Starts `kind` on a free port and waits until it accepts clients.
    pub fn start(kind: Kind) -> Server {
        let dir = tempfile::Builder::new()
            .prefix(&format!("asyncapi-{kind:?}-").to_lowercase())
            .tempdir()
            .expect("a temporary folder");
        let mut s = Server {
            kind,
            port: free_port(),
            dist_port: free_port(),
            log: dir.path().join("server.log"),
            dir,
            child: None,
            starts: 0,
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("a log file");
        let err = log.try_clone().expect("a log file");
        let dir = self.dir.path();
        let port = self.port.to_string();
        let mut cmd = match self.kind {
            Kind::Mosquitto => {
                let conf = dir.join("mosquitto.conf");
                let data = dir.join("data");
                std::fs::create_dir_all(&data).expect("a data folder");
                std::fs::write(
                    &conf,
                    format!(
                        // `user root`: as root, mosquitto would switch to its own user, which
                        // cannot write the temporary folder.
                        "listener {port} 127.0.0.1\nallow_anonymous true\nuser root\npersistence true\npersistence_location {}/\nautosave_interval 1\nlog_dest file {}\nlog_type all\nmax_queued_messages 10000\n",
                        data.display(),
                        dir.join("mosquitto.log").display()
                    ),
                )
                .expect("write mosquitto.conf");
                let mut c = Command::new("mosquitto");
                c.arg("-c").arg(&conf);
                c
            }
            Kind::Nats => {
                let mut c = Command::new("nats-server");
                c.args(["-a", "127.0.0.1", "-p", &port, "-js", "-sd"])
                    .arg(dir.join("jetstream"));
                c
            }
            Kind::RabbitMq => {
                let mut c = Command::new("/usr/lib/rabbitmq/bin/rabbitmq-server");
                let none = dir.join("none");
                let _ = std::fs::write(dir.join("plugins"), "[].\n");
                c.env(
                    "RABBITMQ_NODENAME",
                    format!("asyncapi{}@localhost", self.port),
                )
                .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
                .env("RABBITMQ_NODE_PORT", &port)
                .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
                .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
                .env("RABBITMQ_LOG_BASE", dir.join("log"))
                .env("RABBITMQ_CONFIG_FILE", &none)
                .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("plugins"))
                .env("HOME", dir)
                .env("ERL_EPMD_ADDRESS", "127.0.0.1");
                c
            }
            Kind::Tansu => {
                let url = format!("tcp://127.0.0.1:{port}");
                let mut c = Command::new("tansu");
                c.args([
                    "broker",
                    "--listener-url",
                    &url,
                    "--advertised-listener-url",
                    &url,
                    "--storage-engine",
                    "memory://tansu/",
                ]);
                c
            }
        };
        let child = cmd
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", self.kind));
        self.child = Some(child);
        let ready = match self.kind {
            Kind::Mosquitto => wait_port(self.port, Duration::from_secs(20)),
            Kind::Nats => {
                // Each start logs "Server is ready" once more.
                let deadline = Instant::now() + Duration::from_secs(20);
                let mut ok = false;
                while Instant::now() < deadline {
                    let n = std::fs::read_to_string(&self.log)
                        .map(|t| t.matches("Server is ready").count())
                        .unwrap_or(0);
                    if n >= self.starts as usize {
                        ok = true;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                ok
            }
            Kind::RabbitMq => wait_port(self.port, Duration::from_secs(90)),
            Kind::Tansu => wait_port(self.port, Duration::from_secs(20)),
        };
        if !ready {
            let text = self.log();
            self.stop();
            panic!(
                "{:?} did not start on port {}:\n{text}",
                self.kind, self.port
            );
        }
    }

    /// `host:port` to connect to.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the broker (SIGTERM, so it saves what it persists) and waits for it.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                _ if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        if self.kind == Kind::RabbitMq {
            // epmd stays behind; it refuses to stop while another node is registered.
            let _ = Command::new("epmd")
                .arg("-kill")
                .env("ERL_EPMD_ADDRESS", "127.0.0.1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }

    /// Stops and starts again on the same port with the same data folder.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        let mut text = std::fs::read_to_string(&self.log).unwrap_or_default();
        if self.kind == Kind::Mosquitto {
            text.push_str(
                &std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default(),
            );
        }
        text
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
