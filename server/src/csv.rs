//! CSV as every export writes it (the audit log, billing): RFC 4180 (CRLF line ends, fields quoted
//! when they hold a comma, a quote, a line break or edge spaces, quotes doubled), UTF-8, and text
//! that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) made
//! inert with a leading apostrophe. Numbers are written as numbers, so a negative amount stays one.

use std::borrow::Cow;
use std::fmt::Write as _;

/// One field of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell<'a> {
    /// Free text: neutralised and quoted as needed.
    Text(&'a str),
    /// An integer (a count): written as is.
    Int(i64),
    /// An amount: its decimal form with two decimals (`-12.50`), made from integer minor units.
    Money(app::model::Money),
    /// Nothing.
    Empty,
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Cell<'a> {
        Cell::Text(s)
    }
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(s: Option<&'a str>) -> Cell<'a> {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

/// Text a spreadsheet would not evaluate.
fn inert(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

fn text(s: &str, out: &mut String) {
    let s = inert(s);
    let quote = s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ');
    if quote {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&s);
    }
}

/// Appends one row, CRLF-terminated.
pub fn row(out: &mut String, cells: &[Cell<'_>]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match c {
            Cell::Text(s) => text(s, out),
            // Written in place: an export writes millions of these, and a String each adds up.
            Cell::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Cell::Money(m) => {
                let _ = m.write_decimal(out);
            }
            Cell::Empty => {}
        }
    }
    out.push_str("\r\n");
}

/// A header row.
pub fn header(out: &mut String, names: &[&str]) {
    let cells: Vec<Cell<'_>> = names.iter().map(|n| Cell::Text(n)).collect();
    row(out, &cells);
}

/// Reads CSV text a person wrote (a price list) into rows of fields, with the `csv` crate: RFC 4180,
/// CRLF or LF line ends, rows of any length. A quote that is never closed is an error naming the line
/// it opened on: the crate would read the rest of the file into that one field and say nothing.
pub fn parse(s: &str) -> Result<Vec<Vec<String>>, String> {
    let (mut open, mut line) = (None, 1);
    for c in s.chars() {
        match c {
            '"' => open = if open.is_some() { None } else { Some(line) },
            '\n' => line += 1,
            _ => {}
        }
    }
    if let Some(line) = open {
        return Err(format!("line {line}: a quoted field is never closed"));
    }
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(s.as_bytes());
    reader.records().map(|r| r.map(|r| r.iter().map(str::to_string).collect()).map_err(|e| e.to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(cells: &[Cell<'_>]) -> String {
        let mut s = String::new();
        row(&mut s, cells);
        s
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be_and_quotes_are_doubled() {
        assert_eq!(
            one(&["plain".into(), "a,b".into(), "say \"hi\"".into(), "two\nlines".into(), " edge".into()]),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" edge\"\r\n"
        );
        assert_eq!(one(&[Cell::Empty, Cell::Int(-1250), None.into()]), ",-1250,\r\n");
    }

    #[test]
    fn formulas_are_made_inert_but_numbers_stay_numbers() {
        assert_eq!(one(&["=HYPERLINK(\"http://x\")".into()]), "\"'=HYPERLINK(\"\"http://x\"\")\"\r\n");
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(one(&[s.into()]).trim_start_matches('"').starts_with('\''), "{s:?}");
        }
        assert_eq!(one(&[Cell::Int(-5)]), "-5\r\n");
        assert_eq!(one(&[Cell::Money(app::model::Money::new(-1250, app::model::Currency::Eur))]), "-12.50\r\n");
    }

    #[test]
    fn a_quote_left_open_is_an_error_naming_its_line() {
        assert_eq!(parse("offering,hourly_minor\n\"Agile S,2\nStamina S,3\n"), Err("line 2: a quoted field is never closed".into()));
        assert_eq!(parse("a,\"b \"\"c\"\"\"\r\nd,e\r\n").unwrap(), vec![vec!["a", "b \"c\""], vec!["d", "e"]]);
    }

    proptest! {
        #[test]
        fn any_text_reads_back_as_itself_or_as_itself_made_inert(fields in proptest::collection::vec("\\PC{0,20}|[,\"\r\n =+@-]{0,6}", 1..6)) {
            // A row of one empty field is a blank line, which a reader skips.
            prop_assume!(fields != [String::new()]);
            let cells: Vec<Cell<'_>> = fields.iter().map(|f| Cell::Text(f)).collect();
            let back = parse(&one(&cells)).unwrap();
            prop_assert_eq!(back.len(), 1);
            for (got, want) in back[0].iter().zip(&fields) {
                prop_assert_eq!(got, &inert(want).into_owned());
            }
        }
    }
}
