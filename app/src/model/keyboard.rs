//! The instance's keyboard: which keys, on the layout the instance's operating system uses, type a
//! character.
//!
//! A VNC client sends each key as an X keysym (the character) and, where the hypervisor takes it
//! (QEMU's extended key event), as the physical key's scancode — which the guest then reads through
//! *its own* layout. A customer on a Spanish keyboard typing `@` (AltGr+2) into a US-layout guest gets
//! `2` that way; a German keyboard swaps Y and Z (CloudStack #14012, #3017, #7335 are this). So the
//! console types every character as the keys that make it **on the guest's layout**, chosen on the
//! page ([`Layout`]): the keysym stays the character (right for keysym-only servers), the scancode and
//! the Shift/AltGr around it are the guest's. Pasted text goes the same way ([`plan`]); live typing
//! through [`Typist`], which leaves shortcuts (Ctrl, Alt, Meta held) and non-character keys alone.

/// The guest's keyboard layouts the console can type for (the zones' countries: the Netherlands,
/// where US-International is the usual layout, Spain, Japan; and the US).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    Us,
    UsInternational,
    Spanish,
    Japanese,
}

impl Layout {
    pub const ALL: [Layout; 4] = [Layout::Us, Layout::UsInternational, Layout::Spanish, Layout::Japanese];

    /// The word kept in the browser's storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Us => "us",
            Layout::UsInternational => "us-intl",
            Layout::Spanish => "es",
            Layout::Japanese => "jp",
        }
    }

    pub fn parse(s: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Layout::Us => "English (US)",
            Layout::UsInternational => "Dutch / US-International",
            Layout::Spanish => "Spanish",
            Layout::Japanese => "Japanese",
        }
    }
}

/// One key going down or up, as the console sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stroke {
    pub keysym: u32,
    /// The physical key (`KeyboardEvent.code`), from which the scancode is taken.
    pub code: String,
    pub down: bool,
}

impl Stroke {
    fn new(keysym: u32, code: &str, down: bool) -> Stroke {
        Stroke { keysym, code: code.to_string(), down }
    }
}

pub const XK_SHIFT_L: u32 = 0xffe1;
pub const XK_SHIFT_R: u32 = 0xffe2;
pub const XK_CONTROL_L: u32 = 0xffe3;
pub const XK_CONTROL_R: u32 = 0xffe4;
pub const XK_META_L: u32 = 0xffe7;
pub const XK_META_R: u32 = 0xffe8;
pub const XK_ALT_L: u32 = 0xffe9;
pub const XK_ALT_R: u32 = 0xffea;
pub const XK_SUPER_L: u32 = 0xffeb;
pub const XK_SUPER_R: u32 = 0xffec;
/// AltGr, as noVNC names it.
pub const XK_ISO_LEVEL3_SHIFT: u32 = 0xfe03;
pub const XK_RETURN: u32 = 0xff0d;
pub const XK_TAB: u32 = 0xff09;
pub const XK_ESCAPE: u32 = 0xff1b;
pub const XK_DELETE: u32 = 0xffff;
pub const XK_F1: u32 = 0xffbe;

/// The keysym of a character: Latin-1 is its own code, the rest `0x0100_0000 + code point`.
pub fn keysym_of(c: char) -> u32 {
    match c as u32 {
        cp @ (0x20..=0x7e | 0xa0..=0xff) => cp,
        cp => 0x0100_0000 + cp,
    }
}

/// The character a keysym types, if it types one.
pub fn char_of(keysym: u32) -> Option<char> {
    match keysym {
        0x20..=0x7e | 0xa0..=0xff => char::from_u32(keysym),
        0x0100_0100..=0x0110_ffff => char::from_u32(keysym - 0x0100_0000).filter(|c| !c.is_control()),
        _ => None,
    }
}

/// Which level of a key types a character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Plain,
    Shift,
    AltGr,
}

/// One press of a key at a level. `dead` keys type nothing by themselves: the next key is composed
/// with them (a space after one types the accent alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Press {
    code: &'static str,
    level: Level,
    keysym: u32,
}

/// A key's characters: plain, with Shift, with AltGr (`'\0'`: none). Letters are added for every
/// layout (all four are QWERTY).
type Key = (&'static str, char, char, char);

const US: &[Key] = &[
    ("Backquote", '`', '~', '\0'),
    ("Digit1", '1', '!', '\0'),
    ("Digit2", '2', '@', '\0'),
    ("Digit3", '3', '#', '\0'),
    ("Digit4", '4', '$', '\0'),
    ("Digit5", '5', '%', '\0'),
    ("Digit6", '6', '^', '\0'),
    ("Digit7", '7', '&', '\0'),
    ("Digit8", '8', '*', '\0'),
    ("Digit9", '9', '(', '\0'),
    ("Digit0", '0', ')', '\0'),
    ("Minus", '-', '_', '\0'),
    ("Equal", '=', '+', '\0'),
    ("BracketLeft", '[', '{', '\0'),
    ("BracketRight", ']', '}', '\0'),
    ("Backslash", '\\', '|', '\0'),
    ("Semicolon", ';', ':', '\0'),
    ("Quote", '\'', '"', '\0'),
    ("Comma", ',', '<', '\0'),
    ("Period", '.', '>', '\0'),
    ("Slash", '/', '?', '\0'),
];

/// US-International: US, with `` ` ' " ~ ^ `` dead and a few AltGr letters.
const US_INTL: &[Key] = &[
    ("Backquote", '`', '~', '\0'),
    ("Digit1", '1', '!', '¡'),
    ("Digit2", '2', '@', '²'),
    ("Digit3", '3', '#', '³'),
    ("Digit4", '4', '$', '¤'),
    ("Digit5", '5', '%', '€'),
    ("Digit6", '6', '^', '¼'),
    ("Digit7", '7', '&', '½'),
    ("Digit8", '8', '*', '¾'),
    ("Digit9", '9', '(', '‘'),
    ("Digit0", '0', ')', '’'),
    ("Minus", '-', '_', '¥'),
    ("Equal", '=', '+', '×'),
    ("BracketLeft", '[', '{', '«'),
    ("BracketRight", ']', '}', '»'),
    ("Backslash", '\\', '|', '¬'),
    ("Semicolon", ';', ':', '¶'),
    ("Quote", '\'', '"', '´'),
    ("Comma", ',', '<', 'ç'),
    ("Period", '.', '>', '\0'),
    ("Slash", '/', '?', '¿'),
    ("KeyS", 's', 'S', 'ß'),
    ("KeyN", 'n', 'N', 'ñ'),
];
const US_INTL_DEAD: &[char] = &['`', '\'', '"', '~', '^'];

/// Spanish (ISO, with the key left of Z).
const ES: &[Key] = &[
    ("Backquote", 'º', 'ª', '\\'),
    ("Digit1", '1', '!', '|'),
    ("Digit2", '2', '"', '@'),
    ("Digit3", '3', '·', '#'),
    ("Digit4", '4', '$', '~'),
    ("Digit5", '5', '%', '€'),
    ("Digit6", '6', '&', '¬'),
    ("Digit7", '7', '/', '\0'),
    ("Digit8", '8', '(', '\0'),
    ("Digit9", '9', ')', '\0'),
    ("Digit0", '0', '=', '\0'),
    ("Minus", '\'', '?', '\0'),
    ("Equal", '¡', '¿', '\0'),
    ("BracketLeft", '`', '^', '['),
    ("BracketRight", '+', '*', ']'),
    ("Semicolon", 'ñ', 'Ñ', '\0'),
    ("Quote", '´', '¨', '{'),
    ("Backslash", 'ç', 'Ç', '}'),
    ("IntlBackslash", '<', '>', '\0'),
    ("Comma", ',', ';', '\0'),
    ("Period", '.', ':', '\0'),
    ("Slash", '-', '_', '\0'),
    ("KeyE", 'e', 'E', '€'),
];
const ES_DEAD: &[char] = &['`', '^', '´', '¨'];

/// Japanese (JIS 106/109 as Linux reads it: the Yen key types `\` and `|`, the Ro key `\` and `_`).
const JP: &[Key] = &[
    ("Digit1", '1', '!', '\0'),
    ("Digit2", '2', '"', '\0'),
    ("Digit3", '3', '#', '\0'),
    ("Digit4", '4', '$', '\0'),
    ("Digit5", '5', '%', '\0'),
    ("Digit6", '6', '&', '\0'),
    ("Digit7", '7', '\'', '\0'),
    ("Digit8", '8', '(', '\0'),
    ("Digit9", '9', ')', '\0'),
    ("Digit0", '0', '\0', '\0'),
    ("Minus", '-', '=', '\0'),
    ("Equal", '^', '~', '\0'),
    ("IntlYen", '\\', '|', '\0'),
    ("BracketLeft", '@', '`', '\0'),
    ("BracketRight", '[', '{', '\0'),
    ("Semicolon", ';', '+', '\0'),
    ("Quote", ':', '*', '\0'),
    ("Backslash", ']', '}', '\0'),
    ("Comma", ',', '<', '\0'),
    ("Period", '.', '>', '\0'),
    ("Slash", '/', '?', '\0'),
    ("IntlRo", '\\', '_', '\0'),
];

const LETTERS: [&str; 26] = [
    "KeyA", "KeyB", "KeyC", "KeyD", "KeyE", "KeyF", "KeyG", "KeyH", "KeyI", "KeyJ", "KeyK", "KeyL", "KeyM", "KeyN", "KeyO", "KeyP", "KeyQ",
    "KeyR", "KeyS", "KeyT", "KeyU", "KeyV", "KeyW", "KeyX", "KeyY", "KeyZ",
];

/// Accented letters made with a dead key: (dead key, its letters, the accented ones).
const COMPOSE: &[(char, &str, &str)] = &[
    ('\'', "aeiouyc", "áéíóúýç"),
    ('´', "aeiouy", "áéíóúý"),
    ('"', "aeiouy", "äëïöüÿ"),
    ('¨', "aeiou", "äëïöü"),
    ('`', "aeiou", "àèìòù"),
    ('^', "aeiou", "âêîôû"),
    ('~', "ano", "ãñõ"),
];

impl Layout {
    fn keys(self) -> &'static [Key] {
        match self {
            Layout::Us => US,
            Layout::UsInternational => US_INTL,
            Layout::Spanish => ES,
            Layout::Japanese => JP,
        }
    }

    fn dead(self) -> &'static [char] {
        match self {
            Layout::UsInternational => US_INTL_DEAD,
            Layout::Spanish => ES_DEAD,
            Layout::Us | Layout::Japanese => &[],
        }
    }

    /// The key and level that type `c` directly (a dead key's accent counts).
    fn press(self, c: char) -> Option<Press> {
        let keysym = keysym_of(c);
        for &(code, plain, shift, altgr) in self.keys() {
            for (level, made) in [(Level::Plain, plain), (Level::Shift, shift), (Level::AltGr, altgr)] {
                if made == c && c != '\0' {
                    return Some(Press { code, level, keysym });
                }
            }
        }
        if c.is_ascii_alphabetic() {
            let code = LETTERS[(c.to_ascii_lowercase() as u8 - b'a') as usize];
            return Some(Press { code, level: if c.is_ascii_uppercase() { Level::Shift } else { Level::Plain }, keysym });
        }
        (c == ' ').then_some(Press { code: "Space", level: Level::Plain, keysym })
    }

    /// The presses that type `c` on this layout, if it can be typed.
    fn presses(self, c: char) -> Option<Vec<Press>> {
        match c {
            '\n' => return Some(vec![Press { code: "Enter", level: Level::Plain, keysym: XK_RETURN }]),
            '\t' => return Some(vec![Press { code: "Tab", level: Level::Plain, keysym: XK_TAB }]),
            _ => {}
        }
        let space = || self.press(' ');
        if let Some(p) = self.press(c) {
            // A dead key types its accent when a space follows.
            return Some(if self.dead().contains(&c) { vec![p, space()?] } else { vec![p] });
        }
        let lower = c.to_lowercase().next()?;
        COMPOSE.iter().filter(|(dead, _, _)| self.dead().contains(dead)).find_map(|&(dead, from, to)| {
            let i = to.chars().position(|a| a == lower)?;
            let base = from.chars().nth(i)?;
            let base = if c.is_uppercase() { base.to_ascii_uppercase() } else { base };
            Some(vec![self.press(dead)?, self.press(base)?])
        })
    }
}

/// The modifiers a level needs, down in this order and up in the reverse.
fn modifiers(level: Level) -> &'static [(u32, &'static str)] {
    match level {
        Level::Plain => &[],
        Level::Shift => &[(XK_SHIFT_L, "ShiftLeft")],
        Level::AltGr => &[(XK_ISO_LEVEL3_SHIFT, "AltRight")],
    }
}

/// A key (keysym, physical key) tapped with `modifiers` held: they go down in order, the key down
/// and up, they come up in reverse. A character's keys, and the page's Ctrl-C and Ctrl-Alt-Del.
pub fn chord(modifiers: &[(u32, &str)], (keysym, code): (u32, &str)) -> Vec<Stroke> {
    let mut out: Vec<Stroke> = modifiers.iter().map(|&(k, c)| Stroke::new(k, c, true)).collect();
    out.push(Stroke::new(keysym, code, true));
    out.push(Stroke::new(keysym, code, false));
    out.extend(modifiers.iter().rev().map(|&(k, c)| Stroke::new(k, c, false)));
    out
}

pub const CTRL: (u32, &str) = (XK_CONTROL_L, "ControlLeft");
pub const ALT: (u32, &str) = (XK_ALT_L, "AltLeft");

/// The keystrokes that type `c`, or `None` if the layout has no way to type it.
pub fn type_char(layout: Layout, c: char) -> Option<Vec<Stroke>> {
    Some(layout.presses(c)?.into_iter().flat_map(|p| chord(modifiers(p.level), (p.keysym, p.code))).collect())
}

/// The longest text pasted as keystrokes (a config file's worth; each character is several key
/// events and the guest reads them at typing speed).
pub const MAX_PASTE_CHARS: usize = 4000;

/// Why a text cannot be typed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasteError {
    #[error("Paste at most {MAX_PASTE_CHARS} characters at a time; this is {0}.")]
    TooLong(usize),
    #[error("The {layout} layout cannot type {chars}. Choose the instance's layout, or leave them out.")]
    Untypeable { layout: &'static str, chars: String },
}

/// A text as keystrokes, one group per character (typed one group at a time, so progress can be
/// told). Windows line ends type one Enter; every character is checked before anything is typed.
pub fn plan(layout: Layout, text: &str) -> Result<Vec<Vec<Stroke>>, PasteError> {
    let text = text.replace("\r\n", "\n");
    let count = text.chars().count();
    if count > MAX_PASTE_CHARS {
        return Err(PasteError::TooLong(count));
    }
    let mut bad: Vec<char> = Vec::new();
    let groups: Vec<Vec<Stroke>> = text
        .chars()
        .filter_map(|c| {
            let s = type_char(layout, c);
            if s.is_none() && !bad.contains(&c) {
                bad.push(c);
            }
            s
        })
        .collect();
    if bad.is_empty() {
        return Ok(groups);
    }
    let shown: Vec<String> =
        bad.iter().take(10).map(|c| if c.is_control() { format!("U+{:04X}", *c as u32) } else { format!("“{c}”") }).collect();
    Err(PasteError::Untypeable { layout: layout.label(), chars: shown.join(", ") })
}

/// Live typing: the browser reports each key (noVNC: keysym, physical key, down or up); the guest
/// gets the keys that type the same character on its layout. Shortcuts (with Ctrl, Alt or Meta held)
/// and keys that type no character pass through unchanged.
#[derive(Debug, Clone)]
pub struct Typist {
    pub layout: Layout,
    /// Shift and AltGr as the guest has them now (the customer's, passed through).
    shift: Option<(u32, String)>,
    altgr: Option<(u32, String)>,
    /// Ctrl, Alt or Meta keys held.
    shortcut: u8,
}

impl Typist {
    pub fn new(layout: Layout) -> Typist {
        Typist { layout, shift: None, altgr: None, shortcut: 0 }
    }

    pub fn key(&mut self, keysym: u32, code: &str, down: bool) -> Vec<Stroke> {
        let raw = vec![Stroke::new(keysym, code, down)];
        match keysym {
            XK_SHIFT_L | XK_SHIFT_R => {
                self.shift = down.then(|| (keysym, code.to_string()));
                return raw;
            }
            XK_ISO_LEVEL3_SHIFT => {
                self.altgr = down.then(|| (keysym, code.to_string()));
                return raw;
            }
            XK_CONTROL_L | XK_CONTROL_R | XK_ALT_L | XK_ALT_R | XK_META_L | XK_META_R | XK_SUPER_L | XK_SUPER_R => {
                self.shortcut = if down { self.shortcut.saturating_add(1) } else { self.shortcut.saturating_sub(1) };
                return raw;
            }
            _ => {}
        }
        let Some(c) = char_of(keysym).filter(|_| self.shortcut == 0) else { return raw };
        let Some(typed) = type_char(self.layout, c) else { return raw };
        if !down {
            // The whole character went with its key going down.
            return Vec::new();
        }
        // The customer's Shift/AltGr are let go around it, so the guest sees only the layout's.
        let held: Vec<(u32, String)> = [self.shift.clone(), self.altgr.clone()].into_iter().flatten().collect();
        let mut out: Vec<Stroke> = held.iter().map(|(k, c)| Stroke::new(*k, c, false)).collect();
        out.extend(typed);
        out.extend(held.iter().map(|(k, c)| Stroke::new(*k, c, true)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys pressed (down events, in order), as "Shift+Digit2".
    fn keys(layout: Layout, c: char) -> String {
        let s = type_char(layout, c).unwrap_or_else(|| panic!("{c:?} on {layout:?}"));
        let mut held = Vec::new();
        let mut out = Vec::new();
        for st in s {
            let name = match st.keysym {
                XK_SHIFT_L => Some("Shift"),
                XK_ISO_LEVEL3_SHIFT => Some("AltGr"),
                _ => None,
            };
            match (name, st.down) {
                (Some(n), true) => held.push(n),
                (Some(_), false) => {
                    held.pop();
                }
                (None, true) => out.push(held.iter().map(|h| format!("{h}+")).collect::<String>() + &st.code),
                (None, false) => {}
            }
        }
        out.join(" ")
    }

    #[test]
    fn an_at_sign_is_the_key_that_makes_it_on_the_guests_layout() {
        assert_eq!(keys(Layout::Us, '@'), "Shift+Digit2");
        assert_eq!(keys(Layout::Spanish, '@'), "AltGr+Digit2");
        assert_eq!(keys(Layout::Japanese, '@'), "BracketLeft");
        assert_eq!(keys(Layout::UsInternational, '@'), "Shift+Digit2");
    }

    #[test]
    fn y_and_z_stay_where_they_are_and_backslash_is_found_on_every_layout() {
        for l in Layout::ALL {
            assert_eq!(keys(l, 'y'), "KeyY");
            assert_eq!(keys(l, 'Z'), "Shift+KeyZ");
        }
        assert_eq!(keys(Layout::Us, '\\'), "Backslash");
        assert_eq!(keys(Layout::Spanish, '\\'), "AltGr+Backquote");
        assert_eq!(keys(Layout::Japanese, '\\'), "IntlYen");
        assert_eq!(keys(Layout::Japanese, '_'), "Shift+IntlRo");
        assert_eq!(keys(Layout::Japanese, '|'), "Shift+IntlYen");
    }

    #[test]
    fn accents_are_typed_with_the_layouts_dead_keys() {
        assert_eq!(keys(Layout::Spanish, 'á'), "Quote KeyA");
        assert_eq!(keys(Layout::Spanish, 'Ü'), "Shift+Quote Shift+KeyU");
        assert_eq!(keys(Layout::Spanish, 'ñ'), "Semicolon");
        assert_eq!(keys(Layout::UsInternational, 'ë'), "Shift+Quote KeyE");
        // A quote on US-International is its dead key and a space.
        assert_eq!(keys(Layout::UsInternational, '\''), "Quote Space");
        assert_eq!(keys(Layout::UsInternational, '€'), "AltGr+Digit5");
        assert_eq!(type_char(Layout::Us, 'é'), None);
        assert_eq!(type_char(Layout::Japanese, 'ñ'), None);
    }

    #[test]
    fn the_character_travels_as_its_keysym_for_servers_that_read_keysyms() {
        let at = type_char(Layout::Spanish, '@').unwrap();
        assert!(at.iter().any(|s| s.keysym == '@' as u32 && s.code == "Digit2" && s.down));
        assert_eq!(keysym_of('€'), 0x0100_20ac);
        assert_eq!(char_of(0x0100_20ac), Some('€'));
        assert_eq!(char_of(XK_RETURN), None);
        for c in "aZ09@\\ñé€".chars() {
            assert_eq!(char_of(keysym_of(c)), Some(c));
        }
    }

    #[test]
    fn every_layout_types_every_printable_ascii_character_and_modifiers_are_let_go() {
        for l in Layout::ALL {
            for c in (0x20u8..0x7f).map(char::from) {
                let s = type_char(l, c).unwrap_or_else(|| panic!("{c:?} on {l:?}"));
                let balance: i32 = s.iter().map(|s| if s.down { 1 } else { -1 }).sum();
                assert_eq!(balance, 0, "{c:?} on {l:?} leaves a key down");
            }
        }
    }

    #[test]
    fn a_paste_is_checked_whole_before_anything_is_typed() {
        let groups = plan(Layout::Us, "ls -l\r\necho ok\n").unwrap();
        assert_eq!(groups.len(), "ls -l\necho ok\n".len());
        assert_eq!(groups[5][0].keysym, XK_RETURN);
        assert_eq!(
            plan(Layout::Japanese, "año ñ").unwrap_err().to_string(),
            "The Japanese layout cannot type “ñ”. Choose the instance's layout, or leave them out."
        );
        let long = "x".repeat(MAX_PASTE_CHARS + 1);
        assert_eq!(plan(Layout::Us, &long).unwrap_err(), PasteError::TooLong(MAX_PASTE_CHARS + 1));
        assert!(plan(Layout::Us, "\u{7}").is_err());
    }

    #[test]
    fn live_typing_lets_go_of_the_customers_shift_around_a_character_the_guest_types_without_it() {
        // A Spanish-keyboard customer types `"` (Shift+2 there) into a US guest: Shift+Quote.
        let mut t = Typist::new(Layout::Us);
        assert_eq!(t.key(XK_SHIFT_L, "ShiftLeft", true), vec![Stroke::new(XK_SHIFT_L, "ShiftLeft", true)]);
        let sent = t.key('"' as u32, "Digit2", true);
        assert_eq!(
            sent,
            vec![
                Stroke::new(XK_SHIFT_L, "ShiftLeft", false),
                Stroke::new(XK_SHIFT_L, "ShiftLeft", true),
                Stroke::new('"' as u32, "Quote", true),
                Stroke::new('"' as u32, "Quote", false),
                Stroke::new(XK_SHIFT_L, "ShiftLeft", false),
                Stroke::new(XK_SHIFT_L, "ShiftLeft", true),
            ]
        );
        assert_eq!(t.key('"' as u32, "Digit2", false), vec![]);
        // A German customer's Z key (code KeyY) types z on the guest's Z.
        assert_eq!(t.key('z' as u32, "KeyY", true).iter().find(|s| s.down).map(|s| s.code.as_str()), Some("KeyZ"));
    }

    #[test]
    fn ctrl_alt_del_holds_both_modifiers_around_delete() {
        let keys: Vec<(u32, bool)> = chord(&[CTRL, ALT], (XK_DELETE, "Delete")).iter().map(|s| (s.keysym, s.down)).collect();
        assert_eq!(
            keys,
            [(XK_CONTROL_L, true), (XK_ALT_L, true), (XK_DELETE, true), (XK_DELETE, false), (XK_ALT_L, false), (XK_CONTROL_L, false)]
        );
    }

    #[test]
    fn shortcuts_and_keys_without_a_character_pass_through() {
        let mut t = Typist::new(Layout::Spanish);
        t.key(XK_CONTROL_L, "ControlLeft", true);
        assert_eq!(t.key('c' as u32, "KeyC", true), vec![Stroke::new('c' as u32, "KeyC", true)]);
        assert_eq!(t.key('c' as u32, "KeyC", false), vec![Stroke::new('c' as u32, "KeyC", false)]);
        t.key(XK_CONTROL_L, "ControlLeft", false);
        assert_eq!(t.key(XK_RETURN, "Enter", true), vec![Stroke::new(XK_RETURN, "Enter", true)]);
        assert_eq!(t.key('c' as u32, "KeyC", true).len(), 2);
    }
}
