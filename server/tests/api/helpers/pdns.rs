//! A real PowerDNS Authoritative for the reverse DNS tests: Debian's `pdns-server` with its SQLite
//! backend (both installed by `.ci/setup`), on free ports, its HTTP API on, caches off (so what the
//! API wrote is what the next query reads). `dig` (bind9-dnsutils) reads it as anyone would.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub const API_KEY: &str = "zenith-test-pdns-key";

pub struct Pdns {
    /// The DNS port (UDP and TCP).
    pub port: u16,
    /// `http://127.0.0.1:{api port}` (ZENITH_PDNS_URL).
    pub url: String,
    dir: PathBuf,
    child: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn schema() -> PathBuf {
    ["/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql", "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("PowerDNS's SQLite schema (apt-get install pdns-backend-sqlite3, as .ci/setup does)")
}

impl Pdns {
    pub async fn start() -> Pdns {
        let dir = std::env::temp_dir().join(format!("zenith-pdns-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("pdns.sqlite3");
        let schema = std::fs::read_to_string(schema()).unwrap();
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", db.display())).await.unwrap();
        sqlx::raw_sql(&schema).execute(&pool).await.unwrap();
        pool.close().await;
        let (port, api) = (free_port(), free_port());
        let log = std::fs::File::create(dir.join("pdns.log")).unwrap();
        let child = Command::new("/usr/sbin/pdns_server")
            .args([
                "--no-config",
                "--daemon=no",
                "--guardian=no",
                "--launch=gsqlite3",
                &format!("--gsqlite3-database={}", db.display()),
                "--local-address=127.0.0.1",
                &format!("--local-port={port}"),
                "--api=yes",
                &format!("--api-key={API_KEY}"),
                "--webserver=yes",
                "--webserver-address=127.0.0.1",
                &format!("--webserver-port={api}"),
                "--webserver-allow-from=127.0.0.0/8",
                &format!("--socket-dir={}", dir.display()),
                "--disable-syslog",
                "--cache-ttl=0",
                "--negquery-cache-ttl=0",
                "--query-cache-ttl=0",
                "--security-poll-suffix=",
            ])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("PowerDNS (apt-get install pdns-server, as .ci/setup does)");
        let p = Pdns { port, url: format!("http://127.0.0.1:{api}"), dir, child };
        let deadline = Instant::now() + Duration::from_secs(30);
        let http = reqwest::Client::new();
        loop {
            let up = http.get(format!("{}/api/v1/servers/localhost", p.url)).header("x-api-key", API_KEY).send().await;
            if up.is_ok_and(|r| r.status().is_success()) {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "PowerDNS did not start: {}",
                std::fs::read_to_string(p.dir.join("pdns.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Pdns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What `dig -x address` answers from the server on `port` (UDP): PTR names, lower case, without the dot.
pub fn dig_x(port: u16, address: &str) -> Vec<String> {
    dig_ptr(port, address, &[])
}

/// [`dig_x`] over TCP.
pub fn dig_x_tcp(port: u16, address: &str) -> Vec<String> {
    dig_ptr(port, address, &["+tcp"])
}

fn dig_ptr(port: u16, address: &str, extra: &[&str]) -> Vec<String> {
    let out = Command::new("dig")
        .args(["+short", "+time=2", "+tries=2", "-p", &port.to_string(), "@127.0.0.1"])
        .args(extra)
        .args(["-x", address])
        .output()
        .expect("dig (apt-get install bind9-dnsutils, as .ci/setup does)");
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|l| !l.is_empty() && !l.starts_with(';'))
        .collect();
    names.sort();
    names
}

impl Pdns {
    async fn api(&self, method: reqwest::Method, path: &str, body: serde_json::Value) -> u16 {
        reqwest::Client::new()
            .request(method, format!("{}/api/v1/servers/localhost{path}", self.url))
            .header("x-api-key", API_KEY)
            .json(&body)
            .send()
            .await
            .expect("PowerDNS answers")
            .status()
            .as_u16()
    }

    /// A forward zone the customer's names live in (this PowerDNS is then also the resolver).
    pub async fn forward_zone(&self, zone: &str) {
        let st = self
            .api(reqwest::Method::POST, "/zones", serde_json::json!({"name": zone, "kind": "Native", "nameservers": ["ns1.example.test."]}))
            .await;
        assert_eq!(st, 201, "creating {zone}");
    }

    /// Makes `name` (fully qualified, with its dot) in `zone` answer `content` for `rtype`.
    pub async fn record(&self, zone: &str, name: &str, rtype: &str, content: &str) {
        let body = serde_json::json!({"rrsets": [{"name": name, "type": rtype, "ttl": 60, "changetype": "REPLACE",
            "records": [{"content": content, "disabled": false}]}]});
        assert_eq!(self.api(reqwest::Method::PATCH, &format!("/zones/{zone}"), body).await, 204, "writing {name} {rtype}");
    }

    /// Removes a PTR behind Zenith's back.
    pub async fn delete_ptr(&self, zone: &str, name: &str) {
        let body = serde_json::json!({"rrsets": [{"name": name, "type": "PTR", "changetype": "DELETE"}]});
        assert_eq!(self.api(reqwest::Method::PATCH, &format!("/zones/{zone}"), body).await, 204);
    }
}
