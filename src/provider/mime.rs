//! The body of a provider message (TR 01201-3.4 §3.4.1): `multipart/mixed`
//! with the German text, the XML and the PDF/A-3b presentation that embeds
//! the same XML; writing it, and finding the parts of a received one.

use mail_builder::MessageBuilder;
use mail_parser::{Message, MimeHeaders};

use crate::address::RecipientList;
use crate::fields::DateTime;
use crate::integrity::{IntegrityError, SignOptions};
use crate::metadata::Metadata;
use crate::pdf::{self, Block, PdfError};

/// What a provider message carries besides its header fields.
pub(crate) struct ProviderMessage<'a> {
    /// The header fields ([`super::provider_message_headers`] and the kind's own).
    pub(crate) headers: &'a Metadata<'static>,
    /// To and Cc.
    pub(crate) recipients: &'a RecipientList<'static>,
    /// The German text (text/plain part and the PDF's first paragraph).
    pub(crate) text: &'a str,
    /// The XML document, signed where the kind requires it.
    pub(crate) xml: Vec<u8>,
    /// The file name of the XML part and of the XML inside the PDF (D59).
    pub(crate) xml_name: &'a str,
    /// The PDF's title (the subject).
    pub(crate) pdf_title: &'a str,
    /// The PDF's content after its title.
    pub(crate) pdf_blocks: &'a [Block],
    /// The file name of the PDF part.
    pub(crate) pdf_name: &'a str,
    /// The PDF's creation time.
    pub(crate) time: &'a DateTime,
}

impl ProviderMessage<'_> {
    /// The whole message: the header block, To and Cc, `MIME-Version`, the
    /// `multipart/mixed` body of text, XML (`application/xml`) and PDF
    /// (`application/pdf`, with the XML attached, §3.4.1), then signed with
    /// the integrity layer (§3.1.21) as `signing` says.
    ///
    /// # Errors
    /// The caller's error made from a [`PdfError`] when the PDF cannot be
    /// written, or from an [`IntegrityError`] when signing fails.
    pub(crate) fn assemble<E>(self, signing: &SignOptions<'_>) -> Result<Vec<u8>, E>
    where
        E: From<PdfError> + From<IntegrityError>,
    {
        let pdf = pdf::render(
            self.pdf_title,
            self.pdf_blocks,
            self.time,
            &pdf::PdfAttachment {
                file_name: self.xml_name,
                xml: &self.xml,
            },
        )?;
        let mut out = self.headers.to_header_block();
        crate::builder::write_recipient_headers(&mut out, &self.recipients.to, &self.recipients.cc);
        out.extend_from_slice(b"MIME-Version: 1.0\r\n");
        MessageBuilder::new()
            .text_body(self.text)
            .attachment("application/xml", self.xml_name, self.xml)
            .attachment("application/pdf", self.pdf_name, pdf)
            .serialize_body(&mut out);
        Ok(crate::integrity::sign(&out, signing)?)
    }
}

/// The first blocks of a provider message's PDF (§3.4.1: the PDF shows what
/// the XML holds): the German text, a heading, and the issuer.
pub(crate) fn pdf_opening(text: &str, heading: &str, issuer: &str) -> Vec<Block> {
    vec![
        Block::Paragraph(text.to_owned()),
        Block::Heading(heading.to_owned()),
        Block::Field {
            label: "Aussteller".into(),
            value: issuer.to_owned(),
        },
    ]
}

/// A PDF field showing a time as the text writes it and as the XML does:
/// `TT.MM.JJJJ HH:MM (xs:dateTime)`.
pub(crate) fn pdf_time(label: &str, time: &DateTime) -> Block {
    Block::Field {
        label: label.to_owned(),
        value: format!("{} ({})", time.to_german(), time.to_rfc3339()),
    }
}

/// The parts of a received provider message's body.
pub(crate) struct BodyParts<'m> {
    /// The message's content type, lower case, `text/plain` when it has none.
    pub(crate) content_type: String,
    /// The first `application/xml` or `text/xml` part's content.
    pub(crate) xml: Option<&'m [u8]>,
    /// Whether there is an `application/pdf` part.
    pub(crate) pdf: bool,
    /// The contents of the `text/plain` parts.
    pub(crate) texts: Vec<&'m str>,
}

/// Finds the text, XML and PDF parts of a parsed provider message (§3.4.1):
/// the one reader of confirmations, notifications and ident confirmations.
pub(crate) fn body_parts<'m>(parsed: &'m Message<'m>) -> BodyParts<'m> {
    let content_type = parsed
        .content_type()
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_ascii_lowercase())
        .unwrap_or_else(|| "text/plain".into());
    let mut found = BodyParts {
        content_type,
        xml: None,
        pdf: false,
        texts: Vec::new(),
    };
    for part in parsed.parts.iter() {
        let Some(ct) = part.content_type() else { continue };
        let ctype = ct.ctype().to_ascii_lowercase();
        let subtype = ct.subtype().unwrap_or("").to_ascii_lowercase();
        match (ctype.as_str(), subtype.as_str()) {
            ("application", "pdf") => found.pdf = true,
            ("application" | "text", "xml") if found.xml.is_none() => found.xml = Some(part.contents()),
            ("text", "plain") => found.texts.extend(part.text_contents()),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use mail_parser::MessageParser;

    use super::*;

    const MESSAGE: &str = "From: a@b.de-mail.de\r\nMIME-Version: 1.0\r\n\
        Content-Type: Multipart/Mixed; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n\
        --b\r\nContent-Type: TEXT/XML\r\n\r\n<first/>\r\n\
        --b\r\nContent-Type: application/xml\r\n\r\n<second/>\r\n\
        --b\r\nContent-Type: Application/PDF\r\n\r\n%PDF-1.7\r\n\
        --b--\r\n";

    /// TR 01201-3.4 §3.4.1: text, XML and PDF are found by content type,
    /// compared case-insensitively (RFC 2045 §5.1); the first XML part counts.
    #[test]
    fn body_parts_finds_text_the_first_xml_part_and_the_pdf() {
        let parsed = MessageParser::default().parse(MESSAGE.as_bytes()).unwrap();
        let found = body_parts(&parsed);
        assert_eq!(found.content_type, "multipart/mixed");
        assert_eq!(found.xml, Some(&b"<first/>"[..]));
        assert!(found.pdf);
        assert_eq!(found.texts, ["Hallo"]);
    }

    /// TR 01201-3.4 §3.4.1: the PDF shows what the XML holds; a time as the
    /// text writes it (§3.5.1 template) and as the XML does (xs:dateTime).
    #[test]
    fn pdf_time_shows_the_text_date_and_the_xml_date_time() {
        let (time, _) = DateTime::parse_xs_date_time("2024-03-12T09:15:06+01:00").unwrap();
        let Block::Field { label, value } = pdf_time("Zeitpunkt", &time) else {
            panic!("not a field");
        };
        assert_eq!(label, "Zeitpunkt");
        assert_eq!(value, "12.03.2024 09:15 (2024-03-12T09:15:06+01:00)");
    }

    /// A message without parts of these types: nothing found, `text/plain` by default (RFC 2045 §5.2).
    #[test]
    fn body_parts_of_a_plain_message_has_no_xml_and_no_pdf() {
        let parsed = MessageParser::default()
            .parse(&b"From: a@b.de-mail.de\r\n\r\nnur Text\r\n"[..])
            .unwrap();
        let found = body_parts(&parsed);
        assert_eq!(found.content_type, "text/plain");
        assert_eq!(found.xml, None);
        assert!(!found.pdf);
    }
}
