//! RFB 3.8 (RFC 6143) over a WebSocket, as a console proxy speaks it to noVNC: no VNC password (the
//! single-use token in the URL was the authentication), one screen drawn from the VM's text console
//! with an 8×8 bitmap font (`font8x8`, rows doubled: 8×16 cells), sent Raw in whatever true-colour
//! pixel format the client asks for. Key events go to the console; an incremental update request
//! waits until the screen changes.

use super::screen::{COLS, ROWS};
use super::Consoles;
use axum::extract::ws::{Message, WebSocket};
use std::sync::Arc;
use std::time::Duration;

const CELL_W: usize = 8;
const CELL_H: usize = 16;
pub const WIDTH: u16 = (COLS * CELL_W) as u16;
pub const HEIGHT: u16 = (ROWS * CELL_H) as u16;
/// The longest client message accepted (a ClientCutText of a big paste); larger closes the session.
const MAX_CUT_TEXT: usize = 1 << 20;
/// How long an incremental update request may wait for a change before an empty answer.
const IDLE_UPDATE: Duration = Duration::from_secs(10);

/// How the client wants pixels (RFB's PIXEL_FORMAT); only true colour is drawn.
#[derive(Debug, Clone, Copy)]
struct PixelFormat {
    bits: u8,
    big_endian: bool,
    max: [u16; 3],
    shift: [u8; 3],
}

impl PixelFormat {
    /// 32 bits, 24-bit depth, little-endian, 8 bits per channel (what ServerInit offers).
    const DEFAULT: PixelFormat = PixelFormat { bits: 32, big_endian: false, max: [255, 255, 255], shift: [16, 8, 0] };

    fn wire(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[0] = self.bits;
        b[1] = 24;
        b[2] = self.big_endian as u8;
        b[3] = 1;
        b[4..6].copy_from_slice(&self.max[0].to_be_bytes());
        b[6..8].copy_from_slice(&self.max[1].to_be_bytes());
        b[8..10].copy_from_slice(&self.max[2].to_be_bytes());
        b[10..13].copy_from_slice(&self.shift);
        b
    }

    fn parse(b: &[u8]) -> Option<PixelFormat> {
        let bits = b[0];
        if ![8, 16, 32].contains(&bits) || b[3] == 0 {
            return None;
        }
        let u = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        Some(PixelFormat { bits, big_endian: b[2] != 0, max: [u(4), u(6), u(8)], shift: [b[10], b[11], b[12]] })
    }

    fn pixel(&self, rgb: [u8; 3], out: &mut Vec<u8>) {
        let v = (0..3).fold(0u32, |v, i| v | ((u32::from(rgb[i]) * u32::from(self.max[i]) / 255) << self.shift[i]));
        let bytes = v.to_le_bytes();
        let n = usize::from(self.bits / 8);
        if self.big_endian {
            out.extend(bytes[..n].iter().rev());
        } else {
            out.extend(&bytes[..n]);
        }
    }
}

const FG: [u8; 3] = [0xc0, 0xc0, 0xc0];
const BG: [u8; 3] = [0x00, 0x00, 0x00];

/// The whole screen as a FramebufferUpdate with one Raw rectangle.
fn update(rows: &[String], pf: &PixelFormat) -> Vec<u8> {
    let (w, h) = (usize::from(WIDTH), usize::from(HEIGHT));
    let mut out = Vec::with_capacity(16 + w * h * usize::from(pf.bits / 8));
    out.extend([0, 0, 0, 1]);
    out.extend(0u16.to_be_bytes());
    out.extend(0u16.to_be_bytes());
    out.extend(WIDTH.to_be_bytes());
    out.extend(HEIGHT.to_be_bytes());
    out.extend(0i32.to_be_bytes());
    let (mut fg, mut bg) = (Vec::new(), Vec::new());
    pf.pixel(FG, &mut fg);
    pf.pixel(BG, &mut bg);
    let cells: Vec<Vec<char>> = rows.iter().map(|r| r.chars().collect()).collect();
    for y in 0..h {
        let row = cells.get(y / CELL_H);
        let glyph_row = (y % CELL_H) / 2;
        for col in 0..COLS {
            let c = row.and_then(|r| r.get(col)).copied().unwrap_or(' ');
            let bits = font8x8::legacy::BASIC_LEGACY.get(c as usize).map(|g| g[glyph_row]).unwrap_or(0);
            for x in 0..CELL_W {
                out.extend(if bits >> x & 1 == 1 { &fg } else { &bg });
            }
        }
    }
    out
}

/// The RFB bytes a WebSocket carries, read in the sizes the protocol asks for.
struct Stream {
    ws: WebSocket,
    buf: Vec<u8>,
}

impl Stream {
    async fn send(&mut self, bytes: Vec<u8>) -> Option<()> {
        self.ws.send(Message::Binary(bytes.into())).await.ok()
    }

    /// More bytes from the client; `None` when it went away.
    async fn fill(&mut self) -> Option<()> {
        loop {
            match self.ws.recv().await? {
                Ok(Message::Binary(b)) => {
                    self.buf.extend_from_slice(&b);
                    return Some(());
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    async fn read(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            self.fill().await?;
        }
        Some(self.buf.drain(..n).collect())
    }
}

/// One console session for `vm` (its token already redeemed), until either side ends it.
pub async fn serve(ws: WebSocket, consoles: Arc<Consoles>, vm: String, name: String) {
    let mut s = Stream { ws, buf: Vec::new() };
    if session(&mut s, &consoles, &vm, &name).await.is_none() {
        tracing::debug!(vm = %vm, "console session ended");
    }
}

async fn session(s: &mut Stream, consoles: &Consoles, vm: &str, name: &str) -> Option<()> {
    s.send(b"RFB 003.008\n".to_vec()).await?;
    let version = s.read(12).await?;
    let minor = match &version[..] {
        b"RFB 003.008\n" => 8,
        b"RFB 003.007\n" => 7,
        b"RFB 003.003\n" => 3,
        _ => return None,
    };
    if minor == 3 {
        // 3.3: the server picks the security type; 1 is None.
        s.send(1u32.to_be_bytes().to_vec()).await?;
    } else {
        s.send(vec![1, 1]).await?;
        if s.read(1).await?[0] != 1 {
            return None;
        }
        if minor == 8 {
            s.send(0u32.to_be_bytes().to_vec()).await?;
        }
    }
    s.read(1).await?; // ClientInit (shared or not: every session shares the one screen)
    let mut init = Vec::new();
    init.extend(WIDTH.to_be_bytes());
    init.extend(HEIGHT.to_be_bytes());
    init.extend(PixelFormat::DEFAULT.wire());
    init.extend((name.len() as u32).to_be_bytes());
    init.extend(name.as_bytes());
    s.send(init).await?;

    let mut pf = PixelFormat::DEFAULT;
    let mut changes = consoles.subscribe();
    // A pending incremental request, answered at the next change of this VM's screen.
    let mut pending_since: Option<u64> = None;
    loop {
        let waiting = pending_since.is_some();
        tokio::select! {
            got = s.fill(), if s.buf.is_empty() => { got?; }
            _ = changes.changed(), if waiting => {
                let seen = pending_since.unwrap_or_default();
                if consoles.version(vm) != seen {
                    pending_since = None;
                    s.send(update(&consoles.rows(vm)?, &pf)).await?;
                }
                continue;
            }
            _ = tokio::time::sleep(IDLE_UPDATE), if waiting => {
                // Nothing changed: an update with no rectangles keeps the client asking.
                pending_since = None;
                s.send(vec![0, 0, 0, 0]).await?;
                continue;
            }
        }
        while !s.buf.is_empty() {
            match s.buf[0] {
                0 => {
                    let m = s.read(20).await?;
                    pf = PixelFormat::parse(&m[4..]).unwrap_or(PixelFormat::DEFAULT);
                }
                2 => {
                    let head = s.read(4).await?;
                    let n = usize::from(u16::from_be_bytes([head[2], head[3]]));
                    s.read(4 * n).await?;
                }
                3 => {
                    let m = s.read(10).await?;
                    if m[1] == 0 {
                        s.send(update(&consoles.rows(vm)?, &pf)).await?;
                    } else {
                        pending_since = Some(consoles.version(vm));
                    }
                }
                4 => {
                    let m = s.read(8).await?;
                    let keysym = u32::from_be_bytes([m[4], m[5], m[6], m[7]]);
                    consoles.key(vm, m[1] != 0, keysym);
                }
                5 => {
                    s.read(6).await?;
                }
                6 => {
                    let head = s.read(8).await?;
                    let n = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
                    if n > MAX_CUT_TEXT {
                        return None;
                    }
                    s.read(n).await?;
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_the_screen_in_the_clients_pixel_format() {
        let rows = vec!["A".to_string()];
        let frame = update(&rows, &PixelFormat::DEFAULT);
        let (w, h) = (usize::from(WIDTH), usize::from(HEIGHT));
        assert_eq!(frame.len(), 16 + w * h * 4);
        // 'A' is ..XX.... on its first glyph row: pixels 2 and 3 of the first line are lit.
        let px = |x: usize, y: usize| &frame[16 + (y * w + x) * 4..16 + (y * w + x) * 4 + 4];
        assert_eq!(px(0, 0), &[0, 0, 0, 0]);
        assert_eq!(px(2, 0), &[0xc0, 0xc0, 0xc0, 0], "little-endian 0x00c0c0c0");
        let noisy = PixelFormat { bits: 16, big_endian: true, max: [31, 63, 31], shift: [11, 5, 0] };
        let small = update(&rows, &noisy);
        assert_eq!(small.len(), 16 + w * h * 2);
        assert_eq!(&small[16 + 4..16 + 6], &(((0xc0u16 * 31 / 255) << 11) | ((0xc0 * 63 / 255) << 5) | (0xc0 * 31 / 255)).to_be_bytes());
    }
}
