//! Messages from templates (minijinja, in `templates/`): a plain-text and an HTML version of each,
//! the HTML one escaped automatically (the `.html` name turns escaping on), so an email address or a
//! name shows as text, never as markup.

use super::{MailKind, Outgoing};
use app::model::Email;
use minijinja::Environment;
use std::sync::LazyLock;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, text) in [
        ("password_reset.txt", include_str!("templates/password_reset.txt")),
        ("password_reset.html", include_str!("templates/password_reset.html")),
        ("confirm_email.txt", include_str!("templates/confirm_email.txt")),
        ("confirm_email.html", include_str!("templates/confirm_email.html")),
        ("notice.txt", include_str!("templates/notice.txt")),
        ("notice.html", include_str!("templates/notice.html")),
    ] {
        env.add_template(name, text).expect("the mail templates parse");
    }
    env
});

/// `kind`'s message to `to`, with `subject` and the templates' variables.
pub fn render<'a>(kind: MailKind, to: &'a Email, subject: String, vars: minijinja::Value) -> anyhow::Result<Outgoing<'a>> {
    let name = kind.template();
    let text = TEMPLATES.get_template(&format!("{name}.txt"))?.render(&vars)?;
    let html = TEMPLATES.get_template(&format!("{name}.html"))?.render(&vars)?;
    Ok(Outgoing { kind, to, subject, text, html })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_shows_what_was_typed_as_text_and_the_plain_part_as_typed() {
        let to = Email::parse("ann@example.com").unwrap();
        let vars =
            minijinja::context! { provider => "<b>Cloud</b>", email => "ann@example.com", link => "https://x.example/reset?token=a&b" };
        let m = render(MailKind::PasswordReset, &to, "Reset".into(), vars).unwrap();
        assert!(m.html.contains("&lt;b&gt;Cloud&lt;&#x2f;b&gt;") || m.html.contains("&lt;b&gt;Cloud&lt;/b&gt;"), "{}", m.html);
        assert!(m.text.contains("<b>Cloud</b>") && m.text.contains("https://x.example/reset?token=a&b"), "{}", m.text);
    }
}
