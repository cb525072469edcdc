//! The support console relay: `GET /console/relay?token=…` (a WebSocket) for a support session. The
//! panel connects to the cloud's console proxy itself and passes the screen through unchanged. For a
//! read-only session, of what the browser sends it forwards the handshake and the display requests
//! only and drops every KeyEvent, PointerEvent and ClientCutText (RFC 6143 §7.5), so nothing a staff
//! member's browser does can type on the customer's instance. Either kind ends within seconds of the
//! support session ending (stopped, expired, or the customer withdrawing access).

use super::console::ticket_hash;
use super::repo;
use crate::db::now_ms;
use crate::http::AppState;
use app::model::support::SupportMode;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Upstream;

/// A paste larger than this is not an RFB client a browser runs: the session ends.
const MAX_CUT_TEXT: usize = 1 << 20;
/// How often an open relay checks that its support session still is.
const SUPPORT_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// Where the browser's RFB stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Version,
    Security,
    ClientInit,
    Messages,
}

/// Reads the browser's RFB stream and keeps what may reach the instance.
#[derive(Debug)]
pub struct InputFilter {
    phase: Phase,
    buf: Vec<u8>,
    /// Drop keys, pointer and paste (a read-only session); else the stream is only checked.
    drop_input: bool,
}

impl Default for InputFilter {
    fn default() -> InputFilter {
        InputFilter { phase: Phase::Version, buf: Vec::new(), drop_input: true }
    }
}

impl InputFilter {
    fn new(drop_input: bool) -> InputFilter {
        InputFilter { drop_input, ..InputFilter::default() }
    }

    /// The bytes to forward of what the browser sent, or `Err` for a stream no RFB client sends.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<u8>, &'static str> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let need = match self.phase {
                Phase::Version => 12,
                Phase::Security | Phase::ClientInit => 1,
                Phase::Messages => match self.message_len()? {
                    Some(n) => n,
                    None => return Ok(out),
                },
            };
            if self.buf.len() < need {
                return Ok(out);
            }
            let chunk: Vec<u8> = self.buf.drain(..need).collect();
            self.phase = match self.phase {
                // RFB 3.3 has the server choose the security type: no byte from the client.
                Phase::Version if chunk == b"RFB 003.003\n" => Phase::ClientInit,
                Phase::Version => Phase::Security,
                Phase::Security => Phase::ClientInit,
                Phase::ClientInit | Phase::Messages => Phase::Messages,
            };
            let input = self.drop_input && self.phase == Phase::Messages && matches!(chunk.first(), Some(4..=6)) && need > 1;
            if !input {
                out.extend(chunk);
            }
        }
    }

    /// The length of the message at the front, once enough of it has arrived to tell.
    fn message_len(&self) -> Result<Option<usize>, &'static str> {
        let b = &self.buf;
        let Some(&kind) = b.first() else { return Ok(None) };
        Ok(match kind {
            0 => Some(20),
            2 if b.len() >= 4 => Some(4 + 4 * usize::from(u16::from_be_bytes([b[2], b[3]]))),
            3 => Some(10),
            4 => Some(8),
            5 => Some(6),
            6 if b.len() >= 8 => {
                let n = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize;
                if n > MAX_CUT_TEXT {
                    return Err("a paste too large");
                }
                Some(8 + n)
            }
            2 | 6 => None,
            _ => return Err("an RFB message this relay does not know"),
        })
    }
}

#[derive(serde::Deserialize)]
pub struct Ticket {
    #[serde(default)]
    token: String,
}

/// `GET /console/relay?token=…`.
pub async fn handler(State(state): State<AppState>, Query(t): Query<Ticket>, ws: WebSocketUpgrade) -> Response {
    let upstream = match state.db.pool.acquire().await {
        Ok(mut conn) => repo::take_relay(&mut conn, &ticket_hash(&t.token), now_ms()).await,
        Err(e) => Err(e),
    };
    let relay = match upstream {
        Ok(Some(r)) => r,
        Ok(None) => return (StatusCode::FORBIDDEN, "This console link is not valid: unknown, used or expired.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reading a console relay ticket");
            return (StatusCode::SERVICE_UNAVAILABLE, "The console is unavailable right now.").into_response();
        }
    };
    let db = state.db.clone();
    ws.protocols(["binary"]).on_upgrade(move |browser| async move {
        let support_ended = async {
            loop {
                tokio::time::sleep(SUPPORT_CHECK).await;
                let open = match db.pool.acquire().await {
                    Ok(mut conn) => repo::support_open(&mut conn, &relay.impersonation_id, now_ms()).await.unwrap_or(true),
                    Err(_) => true,
                };
                if !open {
                    return;
                }
            }
        };
        let read_only = relay.mode == SupportMode::ReadOnly;
        tokio::select! {
            r = pump(browser, &relay.upstream, read_only) => if let Err(why) = r {
                tracing::info!(%why, "support console relay ended");
            },
            () = support_ended => tracing::info!("support console relay ended with its support session"),
        }
    })
}

async fn pump(browser: WebSocket, upstream: &str, read_only: bool) -> Result<(), String> {
    let mut req = upstream.into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert("Sec-WebSocket-Protocol", "binary".parse().map_err(|_| "a header")?);
    let (cloud, _) = tokio_tungstenite::connect_async(req).await.map_err(|e| format!("the console proxy: {e}"))?;
    let (mut to_cloud, mut from_cloud) = cloud.split();
    let (mut to_browser, mut from_browser) = browser.split();
    let down = async {
        while let Some(m) = from_cloud.next().await {
            match m.map_err(|e| e.to_string())? {
                Upstream::Binary(b) => to_browser.send(Message::Binary(b)).await.map_err(|e| e.to_string())?,
                Upstream::Close(_) => break,
                _ => {}
            }
        }
        Ok::<(), String>(())
    };
    let up = async {
        let mut filter = InputFilter::new(read_only);
        while let Some(m) = from_browser.next().await {
            match m.map_err(|e| e.to_string())? {
                Message::Binary(b) => {
                    let keep = filter.feed(&b).map_err(str::to_string)?;
                    if !keep.is_empty() {
                        to_cloud.send(Upstream::Binary(keep.into())).await.map_err(|e| e.to_string())?;
                    }
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
        Ok::<(), String>(())
    };
    tokio::select! {
        r = down => r,
        r = up => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handshake_and_display_requests_pass_and_input_never_does_however_it_is_cut() {
        let mut stream = Vec::new();
        stream.extend(b"RFB 003.008\n");
        stream.push(1); // security: None
        stream.push(1); // ClientInit
        let set_encodings = [2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1];
        stream.extend(set_encodings);
        let request = [3, 1, 0, 0, 0, 0, 2, 128, 1, 144];
        stream.extend(request);
        stream.extend([4, 1, 0, 0, 0, 0, 0, b'x']); // KeyEvent x
        stream.extend([5, 0, 0, 10, 0, 10]); // PointerEvent
        stream.extend([6, 0, 0, 0, 0, 0, 0, 3, b'r', b'm', b'!']); // ClientCutText "rm!"
        stream.extend(request);
        let mut want = Vec::new();
        want.extend(b"RFB 003.008\n");
        want.extend([1, 1]);
        want.extend(set_encodings);
        want.extend(request);
        want.extend(request);
        for cut in [1, 3, 7, stream.len()] {
            let mut f = InputFilter::default();
            let got: Vec<u8> = stream.chunks(cut).flat_map(|c| f.feed(c).unwrap()).collect();
            assert_eq!(got, want, "cut into pieces of {cut}");
        }
    }

    #[test]
    fn an_acting_sessions_keys_pass_through() {
        let mut f = InputFilter::new(false);
        let mut stream = b"RFB 003.008\n\x01\x01".to_vec();
        stream.extend([4, 1, 0, 0, 0, 0, 0, b'x']);
        assert_eq!(f.feed(&stream).unwrap(), stream);
    }

    #[test]
    fn an_unknown_message_or_a_huge_paste_ends_the_session() {
        let mut f = InputFilter::default();
        f.feed(b"RFB 003.008\n\x01\x01").unwrap();
        assert!(f.feed(&[9, 0, 0, 0]).is_err());
        let mut f = InputFilter::default();
        f.feed(b"RFB 003.008\n\x01\x01").unwrap();
        assert!(f.feed(&[6, 0, 0, 0, 0x10, 0, 0, 0]).is_err());
    }
}
