//! `createConsoleEndpoint` (CloudStack 4.18+, §4.15): a single-use token for a running VM's console
//! and where its WebSocket is (this simulator's own address; `/websockify?token=…`).

use super::{Answer, Call};
use crate::sim::protocol::object_body;
use crate::sim::world::*;
use serde_json::json;

pub fn create_console_endpoint(w: &mut World, c: &mut Call) -> Answer {
    let vm = super::vms::owned_vm(w, c, "virtualmachineid")?;
    let failed = |details: String| Ok(object_body(c.command, json!({"consoleendpoint": {"success": false, "details": details}})));
    if vm.state != "Running" {
        return failed(format!("VM {} is {}: the console is available for running VMs only", vm.name, vm.state));
    }
    let Some(addr) = c.console_addr else {
        return failed("the console proxy is not available".into());
    };
    let Some((token, _)) = c.consoles.issue(&vm.id) else {
        return failed("too many console sessions are waiting; try again in a minute".into());
    };
    let host = addr.ip().to_string();
    let port = addr.port().to_string();
    let shown = if addr.is_ipv6() { format!("[{host}]") } else { host.clone() };
    Ok(object_body(
        c.command,
        json!({"consoleendpoint": {
            "success": true,
            "url": format!("http://{shown}:{port}/resource/noVNC/vnc.html?token={token}"),
            "websocket": {"token": token, "host": host, "port": port, "path": "/websockify", "extra": ""},
        }}),
    ))
}
