//! A VM's text console as a person at its keyboard sees it: the boot messages, then a getty asking
//! `login:`; what is typed at the login prompt is echoed, a password is not, Ctrl-C abandons the
//! line and Ctrl-Alt-Del reboots (the messages of a reboot, then the boot again).

/// Columns and rows of the text screen (a VGA text console).
pub const COLS: usize = 80;
pub const ROWS: usize = 25;
/// Lines kept for `GET /sim/console/{vm}`: enough for a few boots.
const KEPT: usize = 400;

// The X11 keysyms RFB carries (RFC 6143 §7.5.4).
const RETURN: u32 = 0xff0d;
const KP_ENTER: u32 = 0xff8d;
const BACKSPACE: u32 = 0xff08;
const DELETE: u32 = 0xffff;
const KP_DELETE: u32 = 0xff9f;
const CONTROL: [u32; 2] = [0xffe3, 0xffe4];
const ALT: [u32; 4] = [0xffe9, 0xffea, 0xffe7, 0xffe8];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prompt {
    Login,
    Password,
}

#[derive(Debug, Clone)]
pub struct Screen {
    hostname: String,
    lines: Vec<String>,
    prompt: Prompt,
    control: bool,
    alt: bool,
    /// How many times it rebooted from its own keyboard (shown in the kernel's uptime line).
    reboots: u32,
}

impl Screen {
    /// The console of `hostname` just after it booted `image`.
    pub fn booted(hostname: &str, image: &str) -> Screen {
        let mut s =
            Screen { hostname: hostname.to_string(), lines: Vec::new(), prompt: Prompt::Login, control: false, alt: false, reboots: 0 };
        s.boot(image);
        s
    }

    fn boot(&mut self, image: &str) {
        let lines = [
            "SeaBIOS (version 1.16.2-debian-1.16.2-1)".to_string(),
            "Booting from Hard Disk...".to_string(),
            format!("[    0.000000] Linux version 6.1.0-28-amd64 ({image})"),
            "[    1.204511] EXT4-fs (vda1): mounted filesystem with ordered data mode".to_string(),
            "[  OK  ] Started ssh.service - OpenBSD Secure Shell server.".to_string(),
            "[  OK  ] Reached target multi-user.target - Multi-User System.".to_string(),
            String::new(),
            format!("{image} {} tty1", self.hostname),
            String::new(),
        ];
        self.lines.extend(lines);
        self.prompt_login();
    }

    fn prompt_login(&mut self) {
        self.prompt = Prompt::Login;
        self.lines.push(format!("{} login: ", self.hostname));
        self.trim();
    }

    fn trim(&mut self) {
        if self.lines.len() > KEPT {
            self.lines.drain(..self.lines.len() - KEPT);
        }
    }

    /// Everything still kept, one line each.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// The rows a monitor shows: the last [`ROWS`] lines, each cut to [`COLS`].
    pub fn rows(&self) -> Vec<String> {
        let start = self.lines.len().saturating_sub(ROWS);
        self.lines[start..].iter().map(|l| l.chars().take(COLS).collect()).collect()
    }

    /// A key pressed (`down`) or released; true when the screen changed.
    pub fn key(&mut self, down: bool, keysym: u32, image: &str) -> bool {
        if CONTROL.contains(&keysym) {
            self.control = down;
            return false;
        }
        if ALT.contains(&keysym) {
            self.alt = down;
            return false;
        }
        if !down {
            return false;
        }
        if (keysym == DELETE || keysym == KP_DELETE) && self.control && self.alt {
            self.reboots += 1;
            self.lines.extend([
                String::new(),
                "[  OK  ] Stopped target multi-user.target - Multi-User System.".to_string(),
                "[  OK  ] Reached target reboot.target - System Reboot.".to_string(),
                format!("[ {:>8}.000000] reboot: Restarting system", 60 * self.reboots),
            ]);
            self.boot(image);
            return true;
        }
        let ch = char::from_u32(keysym).filter(|c| (' '..='~').contains(c) || keysym >= 0xa0 && keysym < 0x100);
        match (keysym, ch) {
            (_, Some('c' | 'C')) if self.control => {
                self.echo("^C");
                self.lines.push(String::new());
                self.prompt_login();
                true
            }
            (RETURN | KP_ENTER, _) => {
                match self.prompt {
                    Prompt::Login => {
                        self.lines.push("Password: ".to_string());
                        self.prompt = Prompt::Password;
                    }
                    Prompt::Password => {
                        self.lines.extend([String::new(), "Login incorrect".to_string()]);
                        self.prompt_login();
                    }
                }
                self.trim();
                true
            }
            (BACKSPACE, _) => {
                let prompt_len = format!("{} login: ", self.hostname).chars().count();
                match (self.prompt, self.lines.last_mut()) {
                    (Prompt::Login, Some(l)) if l.chars().count() > prompt_len => {
                        l.pop();
                        true
                    }
                    _ => false,
                }
            }
            (_, Some(c)) if !self.control => match self.prompt {
                Prompt::Login => {
                    self.echo(&c.to_string());
                    true
                }
                // A password is not echoed.
                Prompt::Password => false,
            },
            _ => false,
        }
    }

    fn echo(&mut self, s: &str) {
        match self.lines.last_mut() {
            Some(l) if l.chars().count() < 4 * COLS => l.push_str(s),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &mut Screen, text: &str) {
        for c in text.chars() {
            s.key(true, c as u32, "Debian 12");
            s.key(false, c as u32, "Debian 12");
        }
    }

    #[test]
    fn the_login_prompt_echoes_a_name_hides_a_password_and_asks_again() {
        let mut s = Screen::booted("web-1", "Debian 12");
        assert!(s.text().ends_with("web-1 login: "), "{}", s.text());
        typed(&mut s, "root");
        s.key(true, RETURN, "Debian 12");
        typed(&mut s, "secret");
        s.key(true, RETURN, "Debian 12");
        let text = s.text();
        assert!(text.contains("web-1 login: root\nPassword: \n\nLogin incorrect\nweb-1 login: "), "{text}");
        assert!(!text.contains("secret"), "a password is never shown");
    }

    #[test]
    fn ctrl_alt_del_reboots_and_ctrl_c_abandons_the_line() {
        let mut s = Screen::booted("db", "Debian 12");
        typed(&mut s, "adm");
        s.key(true, CONTROL[0], "");
        s.key(true, 'c' as u32, "");
        s.key(false, CONTROL[0], "");
        assert!(s.text().ends_with("db login: adm^C\n\ndb login: "), "{}", s.text());
        s.key(true, CONTROL[0], "Debian 12");
        s.key(true, ALT[0], "Debian 12");
        assert!(s.key(true, DELETE, "Debian 12"));
        let text = s.text();
        assert!(text.contains("reboot: Restarting system") && text.matches("Booting from Hard Disk").count() == 2, "{text}");
        assert!(text.ends_with("db login: "));
        assert_eq!(s.rows().len(), ROWS);
    }
}
