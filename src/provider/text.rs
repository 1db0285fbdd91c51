//! The German text of a provider message (TR 01201-3.4 §3.5.1 text
//! template, §3.5.2): the text/plain part, the XML `Text` and the PDF's
//! first paragraph.

use super::Issuer;

/// The text frame of §3.5.1 and §3.5.2: the introduction, a blank line, one
/// `Label: value` line a row, a blank line, and `<closing> <issuer name>`
/// with the issuer's link after it when it has one (`closing` is "Die
/// Bestätigung erfolgte durch" or "Die Meldung erfolgte durch").
pub(crate) fn text_frame(
    introduction: &str,
    rows: &[(&str, String)],
    closing: &str,
    issuer: &Issuer,
) -> String {
    let mut text = String::with_capacity(512);
    text.push_str(introduction);
    text.push_str("\n\n");
    for (label, value) in rows {
        text.push_str(label);
        text.push_str(": ");
        text.push_str(value);
        text.push('\n');
    }
    text.push('\n');
    text.push_str(closing);
    text.push(' ');
    text.push_str(&issuer.name);
    if let Some(link) = &issuer.link {
        text.push(' ');
        text.push_str(link);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::DeMailAddress;

    /// TR 01201-3.4 §3.5.1 and §3.5.2: introduction, blank line, one line a
    /// row, blank line, the closing sentence with the issuer and its link.
    #[test]
    fn text_frame_is_introduction_rows_and_the_issuers_closing_line() {
        let mut issuer = Issuer::new(
            "DMDA A",
            DeMailAddress::parse("Meldung@dmda-a.de-mail.de").unwrap(),
        );
        let rows = [
            ("Absender", "a@b.de-mail.de".to_owned()),
            ("Betreff", String::new()),
        ];
        assert_eq!(
            text_frame("Einleitung.", &rows, "Die Meldung erfolgte durch", &issuer),
            "Einleitung.\n\nAbsender: a@b.de-mail.de\nBetreff: \n\nDie Meldung erfolgte durch DMDA A"
        );
        issuer.link = Some("https://dmda-a.example".into());
        assert_eq!(
            text_frame("Einleitung.", &[], "Die Bestätigung erfolgte durch", &issuer),
            "Einleitung.\n\n\nDie Bestätigung erfolgte durch DMDA A https://dmda-a.example"
        );
    }
}
