//! How a message leaves: an SMTP server (`ZENITH_SMTP_URL`, through lettre: STARTTLS or implicit
//! TLS by the URL, authentication from its user and password), or, with none configured, an `.eml`
//! file per message under `<data dir>/mail/` that `zenith mail list` and `show` print.

use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// How long one delivery attempt may take before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl std::fmt::Debug for Transport {
    // The SMTP URL's password is in the transport: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::Files(dir) => write!(f, "Transport::Files({})", dir.display()),
        }
    }
}

impl Transport {
    /// SMTP from `url` (`smtp://user:pass@host:587?tls=required`, `smtps://host`), else files.
    pub fn new(url: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<Transport> {
        match url.filter(|u| !u.trim().is_empty()) {
            Some(u) => {
                // lettre's error names the part that is wrong, never the password.
                let t = AsyncSmtpTransport::<Tokio1Executor>::from_url(u)
                    .map_err(|e| anyhow::anyhow!("ZENITH_SMTP_URL is not a usable SMTP URL: {e}"))?
                    .timeout(Some(SEND_TIMEOUT))
                    .build();
                Ok(Transport::Smtp(t))
            }
            None => Ok(Transport::Files(data_dir.join("mail"))),
        }
    }

    pub fn is_smtp(&self) -> bool {
        matches!(self, Transport::Smtp(_))
    }

    /// Hands `message` (outbox row `id`) over; the error is what the admin reads as its last error.
    pub async fn send(&self, id: &str, message: &lettre::Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => match tokio::time::timeout(SEND_TIMEOUT, t.send(message.clone())).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("the mail server did not answer within {} s", SEND_TIMEOUT.as_secs())),
            },
            Transport::Files(dir) => {
                let (dir, bytes, id) = (dir.clone(), message.formatted(), id.to_string());
                tokio::task::spawn_blocking(move || write_eml(&dir, &id, &bytes))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// Writes `<dir>/<id>.eml` whole or not at all (a temporary file renamed into place).
fn write_eml(dir: &std::path::Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{id}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join(format!("{id}.eml")))
}
