//! The simulator's console as any VNC client meets it: `createConsoleEndpoint` for a running VM, a
//! WebSocket speaking RFB 3.8 (ServerInit, a framebuffer drawn from the text screen, key events that
//! reach it, an update when it changes), a token that works once, no console for a stopped VM or for
//! another account's.

use crate::cloud_client::{admin, customer, deploy_spec, first_zone_offering_template, start_sim, TestCommands};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The RFB byte stream inside the WebSocket.
pub(crate) struct Rfb {
    ws: Ws,
    buf: Vec<u8>,
}

impl Rfb {
    pub(crate) async fn connect(url: &str) -> Result<Rfb, u16> {
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("Sec-WebSocket-Protocol", "binary".parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Ok((ws, resp)) => {
                assert_eq!(resp.headers().get("sec-websocket-protocol").unwrap(), "binary", "noVNC asks for `binary`");
                Ok(Rfb { ws, buf: Vec::new() })
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
            Err(e) => panic!("{e}"),
        }
    }

    async fn read(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            let m = tokio::time::timeout(std::time::Duration::from_secs(15), self.ws.next())
                .await
                .expect("the server answers")
                .unwrap()
                .unwrap();
            if let Message::Binary(b) = m {
                self.buf.extend_from_slice(&b);
            }
        }
        self.buf.drain(..n).collect()
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.ws.send(Message::Binary(bytes.to_vec().into())).await.unwrap();
    }

    /// The handshake up to ServerInit: (width, height, name).
    pub(crate) async fn handshake(&mut self) -> (u16, u16, String) {
        assert_eq!(self.read(12).await, b"RFB 003.008\n");
        self.send(b"RFB 003.008\n").await;
        assert_eq!(self.read(2).await, [1, 1], "one security type: None (the token was the authentication)");
        self.send(&[1]).await;
        assert_eq!(self.read(4).await, [0, 0, 0, 0], "SecurityResult OK");
        self.send(&[1]).await;
        let head = self.read(24).await;
        let (w, h) = (u16::from_be_bytes([head[0], head[1]]), u16::from_be_bytes([head[2], head[3]]));
        assert_eq!(head[4], 32, "32 bits per pixel");
        let n = u32::from_be_bytes([head[20], head[21], head[22], head[23]]) as usize;
        (w, h, String::from_utf8(self.read(n).await).unwrap())
    }

    /// One FramebufferUpdate: its rectangles' pixels (32 bpp).
    pub(crate) async fn update(&mut self) -> Vec<Vec<u8>> {
        let head = self.read(4).await;
        assert_eq!(head[0], 0, "FramebufferUpdate");
        let mut rects = Vec::new();
        for _ in 0..u16::from_be_bytes([head[2], head[3]]) {
            let r = self.read(12).await;
            let (w, h) = (u16::from_be_bytes([r[4], r[5]]) as usize, u16::from_be_bytes([r[6], r[7]]) as usize);
            assert_eq!(&r[8..12], &[0, 0, 0, 0], "Raw");
            rects.push(self.read(w * h * 4).await);
        }
        rects
    }

    /// Whether the server ends the session within `secs` (nothing else arrives meanwhile).
    pub(crate) async fn ended_within(&mut self, secs: u64) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match tokio::time::timeout(left, self.ws.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    pub(crate) async fn key(&mut self, keysym: u32) {
        for down in [1u8, 0] {
            let mut m = vec![4, down, 0, 0];
            m.extend(keysym.to_be_bytes());
            self.send(&m).await;
        }
    }

    pub(crate) async fn request(&mut self, incremental: bool, w: u16, h: u16) {
        let mut m = vec![3, incremental as u8, 0, 0, 0, 0];
        m.extend(w.to_be_bytes());
        m.extend(h.to_be_bytes());
        self.send(&m).await;
    }
}

async fn screen(base: &str, vm: &str) -> (u16, Value) {
    let r = reqwest::get(format!("{base}/sim/console/{vm}")).await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn screen_text(base: &str, vm: &str) -> String {
    screen(base, vm).await.1["text"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_vnc_client_sees_the_login_prompt_types_on_it_and_the_token_works_once() {
    let sim = start_sim(|_| {}).await;
    let base = format!("http://{}", sim.addr);
    let a = admin(&sim);
    let c = customer(&a, "consoled").await;
    let (zone, offering, template) = first_zone_offering_template(&c, "shared").await;
    let vm = c.wait_vm(&c.deploy_virtual_machine(&deploy_spec(&zone, &offering, &template, "web-1")).await.unwrap().jobid).await.unwrap();
    let vm_id = vm.id.to_string();

    let endpoint: Value = c.call_object("createConsoleEndpoint", "consoleendpoint", &[("virtualmachineid", vm_id.clone())]).await.unwrap();
    assert_eq!(endpoint["success"], true, "{endpoint}");
    let ws = &endpoint["websocket"];
    let url = format!(
        "ws://{}:{}{}?token={}",
        ws["host"].as_str().unwrap(),
        ws["port"].as_str().unwrap(),
        ws["path"].as_str().unwrap(),
        ws["token"].as_str().unwrap()
    );

    let text = screen_text(&base, &vm_id).await;
    assert!(text.ends_with("web-1 login: "), "{text}");
    let mut rfb = Rfb::connect(&url).await.expect("the token opens the console");
    let (w, h, name) = rfb.handshake().await;
    assert_eq!((w, h, name.as_str()), (640, 400, "web-1"));
    rfb.request(false, w, h).await;
    let frame = rfb.update().await.remove(0);
    assert_eq!(frame.len(), 640 * 400 * 4);
    assert!(frame.chunks(4).any(|p| p[..3] != [0, 0, 0]), "text is drawn");

    // An incremental request waits for a change; typing is the change.
    rfb.request(true, w, h).await;
    for c in "root".chars() {
        rfb.key(c as u32).await;
    }
    rfb.key(0xff0d).await;
    let changed = rfb.update().await;
    assert_eq!(changed.len(), 1, "the change arrives as an update");
    let started = std::time::Instant::now();
    while !screen_text(&base, &vm_id).await.ends_with("web-1 login: root\nPassword: ") {
        assert!(started.elapsed().as_secs() < 10, "typing reaches the screen: {}", screen_text(&base, &vm_id).await);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(Rfb::connect(&url).await.err(), Some(403), "a token opens one session");

    // Ctrl-Alt-Del reboots the console.
    for k in [0xffe3, 0xffe9] {
        rfb.send(&[4, 1, 0, 0, 0, 0, (k >> 8) as u8, k as u8]).await;
    }
    rfb.send(&[4, 1, 0, 0, 0, 0, 0xff, 0xff]).await;
    let started = std::time::Instant::now();
    while !screen_text(&base, &vm_id).await.contains("reboot: Restarting system") {
        assert!(started.elapsed().as_secs() < 10, "Ctrl-Alt-Del reaches the VM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_stopped_vm_and_another_accounts_vm_have_no_console() {
    let sim = start_sim(|_| {}).await;
    let base = format!("http://{}", sim.addr);
    let a = admin(&sim);
    let (owner, other) = (customer(&a, "owner").await, customer(&a, "other").await);
    let (zone, offering, template) = first_zone_offering_template(&owner, "shared").await;
    let vm = owner
        .wait_vm(&owner.deploy_virtual_machine(&deploy_spec(&zone, &offering, &template, "quiet")).await.unwrap().jobid)
        .await
        .unwrap();
    let id = vm.id.to_string();
    let refused = other.call_object::<Value>("createConsoleEndpoint", "consoleendpoint", &[("virtualmachineid", id.clone())]).await;
    assert!(refused.is_err(), "another account's VM: {refused:?}");
    owner.wait_vm(&owner.stop_virtual_machine(&vm.id, false).await.unwrap().jobid).await.unwrap();
    let endpoint: Value = owner.call_object("createConsoleEndpoint", "consoleendpoint", &[("virtualmachineid", id.clone())]).await.unwrap();
    assert_eq!(endpoint["success"], false);
    assert!(endpoint["details"].as_str().unwrap().contains("Stopped"), "{endpoint}");
    let (status, body) = screen(&base, &id).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(Rfb::connect(&format!("ws://{}/websockify?token=made-up", sim.addr)).await.err(), Some(403));
}
