//! The simulator's console proxy: `createConsoleEndpoint` hands out a single-use token (60 seconds),
//! `GET /websockify?token=…` (a WebSocket, subprotocol `binary`) speaks RFB to any VNC client
//! (`rfb`), and `GET /sim/console/{vm}` shows tests the screen as text (`screen`). Only a running VM
//! has a console; its screen starts afresh at each boot. Screens and tokens live in memory: a
//! restarted simulator boots every console again.

pub mod rfb;
pub mod screen;

use super::world::{Vm, World};
use super::Simulator;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use screen::Screen;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long a token may wait for its connection.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(60);
/// Tokens kept at most (unused ones expire; a burst of requests cannot grow memory without bound).
const MAX_TICKETS: usize = 10_000;

struct Ticket {
    vm: String,
    expires: Instant,
}

struct Entry {
    screen: Screen,
    /// The VM's start this screen belongs to (a new start boots a new screen).
    boot: usize,
    image: String,
    version: u64,
}

#[derive(Default)]
struct Inner {
    tickets: HashMap<String, Ticket>,
    screens: HashMap<String, Entry>,
}

/// Every VM's console, and the tokens that open them.
pub struct Consoles {
    inner: Mutex<Inner>,
    /// Bumped at every screen change: sessions waiting for an update look at their VM's version.
    changed: watch::Sender<u64>,
}

impl Default for Consoles {
    fn default() -> Consoles {
        Consoles { inner: Mutex::new(Inner::default()), changed: watch::channel(0).0 }
    }
}

impl Consoles {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A token for `vm`'s console; `None` when too many are waiting.
    pub fn issue(&self, vm: &str) -> Option<(String, Instant)> {
        self.issue_for(vm, TOKEN_LIFETIME)
    }

    fn issue_for(&self, vm: &str, lifetime: Duration) -> Option<(String, Instant)> {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.tickets.retain(|_, t| t.expires > now);
        if inner.tickets.len() >= MAX_TICKETS {
            return None;
        }
        let token = super::world::random_token(40);
        let expires = now + lifetime;
        inner.tickets.insert(token.clone(), Ticket { vm: vm.to_string(), expires });
        Some((token, expires))
    }

    /// Uses a token: its VM if it was issued, unused and unexpired. It never works again.
    pub fn redeem(&self, token: &str) -> Option<String> {
        let t = self.lock().tickets.remove(token)?;
        (t.expires > Instant::now()).then_some(t.vm)
    }

    /// Makes `vm`'s screen match its state: gone when it is not running, booted afresh for a new start.
    fn sync(&self, vm: &Vm, image: &str) {
        let mut inner = self.lock();
        if vm.state != "Running" {
            inner.screens.remove(&vm.id);
            return;
        }
        let boot = vm.running.len();
        let fresh = inner.screens.get(&vm.id).is_none_or(|e| e.boot != boot);
        if fresh {
            let entry = Entry { screen: Screen::booted(&vm.name, image), boot, image: image.to_string(), version: 0 };
            inner.screens.insert(vm.id.clone(), entry);
            drop(inner);
            self.changed.send_modify(|v| *v += 1);
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub fn version(&self, vm: &str) -> u64 {
        self.lock().screens.get(vm).map(|e| e.version).unwrap_or(u64::MAX)
    }

    /// What a monitor on `vm` shows; `None` once it has no console.
    pub fn rows(&self, vm: &str) -> Option<Vec<String>> {
        self.lock().screens.get(vm).map(|e| e.screen.rows())
    }

    fn text(&self, vm: &str) -> Option<String> {
        self.lock().screens.get(vm).map(|e| e.screen.text())
    }

    /// A key event from a console session.
    pub fn key(&self, vm: &str, down: bool, keysym: u32) {
        let mut inner = self.lock();
        let Some(e) = inner.screens.get_mut(vm) else { return };
        let image = e.image.clone();
        if e.screen.key(down, keysym, &image) {
            e.version += 1;
            drop(inner);
            self.changed.send_modify(|v| *v += 1);
        }
    }
}

/// The VM (if it exists) and the name of the image it runs, as the world has them now.
fn vm_and_image(w: &World, id: &str) -> Option<(Vm, String)> {
    let vm = w.vm(id)?.clone();
    let image = w.template(&vm.template_id).map(|t| t.name.clone()).unwrap_or_else(|| "Linux".to_string());
    Some((vm, image))
}

impl Simulator {
    /// Brings `vm`'s console up to date with the world; the VM, if it exists.
    fn console_sync(&self, id: &str) -> Option<Vm> {
        let found = {
            let mut w = self.world.lock().expect("sim lock");
            w.tick();
            vm_and_image(&w, id)
        };
        let (vm, image) = found?;
        self.consoles.sync(&vm, &image);
        Some(vm)
    }
}

fn refusal(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// `GET /sim/console/{vm}`: `{"text": …}`, the console's lines (404 for no such VM, 409 for one that is
/// not running).
pub async fn text(State(sim): State<Arc<Simulator>>, Path(vm): Path<String>) -> Response {
    match sim.console_sync(&vm) {
        None => refusal(StatusCode::NOT_FOUND, format!("no virtual machine {vm}")),
        Some(v) if v.state != "Running" => {
            refusal(StatusCode::CONFLICT, format!("{} is {}: only a running VM has a console", v.name, v.state))
        }
        Some(_) => Json(serde_json::json!({ "text": sim.consoles.text(&vm).unwrap_or_default() })).into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /websockify?token=…`: the console, over a WebSocket, for one token's VM.
pub async fn websocket(State(sim): State<Arc<Simulator>>, Query(q): Query<TokenQuery>, ws: WebSocketUpgrade) -> Response {
    let Some(id) = sim.consoles.redeem(&q.token) else {
        return refusal(StatusCode::FORBIDDEN, "the console token is not valid: unknown, used or expired".into());
    };
    let vm = match sim.console_sync(&id) {
        Some(v) if v.state == "Running" => v,
        _ => return refusal(StatusCode::CONFLICT, "the virtual machine is not running".into()),
    };
    let consoles = sim.consoles.clone();
    ws.protocols(["binary"]).on_upgrade(move |socket| rfb::serve(socket, consoles, vm.id, vm.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_its_vms_console_once_and_not_after_it_expired() {
        let c = Consoles::default();
        let (token, _) = c.issue("vm-1").unwrap();
        assert_eq!(c.redeem(&token).as_deref(), Some("vm-1"));
        assert_eq!(c.redeem(&token), None, "used");
        let (late, _) = c.issue_for("vm-1", Duration::ZERO).unwrap();
        assert_eq!(c.redeem(&late), None, "expired");
        assert_eq!(c.redeem("made-up"), None);
    }
}
