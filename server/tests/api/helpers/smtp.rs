//! A real SMTP server for the mail tests: Debian's `python3-aiosmtpd` (installed by `.ci/setup`),
//! keeping every message it accepts as a file, which the tests read as the recipient would.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SINK: &str = r#"
import os, sys, time
from aiosmtpd.controller import Controller
out, port = sys.argv[1], int(sys.argv[2])
class Save:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(out, f"{time.time_ns()}.eml")
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name)
        return "250 OK"
c = Controller(Save(), hostname="127.0.0.1", port=port)
c.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    c.stop()
"#;

pub struct Smtp {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Smtp {
    /// A server on a free port, started.
    pub fn start() -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut s = Smtp { port, dir: std::env::temp_dir().join(format!("zenith-smtp-{}", uuid::Uuid::new_v4().simple())), child: None };
        std::fs::create_dir_all(&s.dir).unwrap();
        s.restart();
        s
    }

    /// A server on a free port, not started yet (a mail server that is down).
    pub fn stopped() -> Smtp {
        let mut s = Smtp::start();
        s.stop();
        s
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn restart(&mut self) {
        use std::io::BufRead as _;
        // Debian's Python, which has the package; another python3 may come first on PATH.
        let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
        let mut child = Command::new(python)
            .args(["-c", SINK, &self.dir.display().to_string(), &self.port.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (apt-get install python3-aiosmtpd)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server started");
        self.child = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every message received so far, raw, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
    }

    /// Waits until `count` messages have arrived (or 20 s) and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= count || started.elapsed() > Duration::from_secs(20) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The messages to `to`, decoded as a mail client reads them (quoted-printable: a long line is
    /// wrapped with `=`, and `=` is written `=3D`).
    pub fn to(&self, to: &str) -> Vec<String> {
        let decoded = self.messages().into_iter().map(|m| m.replace("=\r\n", "").replace("=3D", "="));
        decoded.filter(|m| m.starts_with(&format!("X-Envelope-To: {to}\r\n"))).collect()
    }

    /// The token of the newest `/{page}?token=` link mailed to `to`, and how many such mails there were.
    pub fn link(&self, to: &str, page: &str) -> (Option<String>, usize) {
        let needle = format!("/{page}?token=");
        let mails: Vec<String> = self.to(to).into_iter().filter(|m| m.contains(&needle)).collect();
        let token = mails.last().and_then(|m| {
            let at = m.find(&needle)? + needle.len();
            Some(m[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>())
        });
        (token, mails.len())
    }

    /// Waits (20 s at most) for the `count`th `/{page}` link to `to` and returns its token.
    pub async fn wait_link(&self, to: &str, page: &str, count: usize) -> String {
        let started = Instant::now();
        loop {
            let (token, n) = self.link(to, page);
            if n >= count {
                return token.unwrap();
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no /{page} link for {to}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (20 s at most) for a message to `to` with `subject` and returns it.
    pub async fn wait_subject(&self, to: &str, subject: &str) -> String {
        let started = Instant::now();
        let line = format!("Subject: {subject}\r\n");
        loop {
            if let Some(m) = self.to(to).into_iter().find(|m| m.contains(&line)) {
                return m;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no mail \"{subject}\" to {to}: {:?}", self.to(to));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
