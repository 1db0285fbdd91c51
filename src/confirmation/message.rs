//! The `Acknowledge-Message` document (TR 01201-3.4 §3.5.1 Tables 23/24,
//! schema §3.5.3): parse and serialize.

use crate::fields::DateTime;
use crate::xml::pull::Document;
use crate::xml::reader::decode;
use crate::xml::{self, XMLDSIG_NS, XmlError, XmlLimits, XmlWarning, push_element};

/// The document element's local name (§3.5.3).
pub const ACKNOWLEDGE_MESSAGE: &str = "Acknowledge-Message";

/// One metadata field of the original message (Metadate, Table 24).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub struct Metadate {
    /// `Name`: the header field name as it stands in the original.
    pub name: String,
    /// `Value`: the value with folding white space removed (Table 24).
    pub value: String,
    /// `OriginalHeader`: the header line exactly as received, folding kept
    /// (the input of the original's hash and signature, Table 24).
    pub original_header: String,
}

/// The `ds:Signature` element of a parsed document, kept byte-exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureElement {
    /// The element's bytes, from `<` of its start tag to `>` of its end tag.
    pub raw: String,
}

/// The XML of a confirmation (Bestätigungsnachricht), `Acknowledge-Message`
/// in namespace `urn:de-mail`, elements in the order of the schema of §3.5.3.
///
/// ```
/// use demail::confirmation::{AcknowledgeMessage, Metadate};
/// use demail::fields::DateTime;
///
/// let message = AcknowledgeMessage {
///     sender: "Versandbestaetigung@dmda.de-mail.de".into(),
///     metadata: vec![Metadate {
///         name: "Subject".into(),
///         value: "Antrag".into(),
///         original_header: "Subject: Antrag".into(),
///     }],
///     subject: "*Versandbestätigung* Antrag".into(),
///     text: "Hiermit wird bestätigt ...".into(),
///     hash: "v=1; a=sha256; ...".into(),
///     time: DateTime::parse_rfc3339("2026-11-24T10:00:00+01:00").unwrap(),
///     delivery_time: None,
///     signature: None,
///     namespaces: Vec::new(),
///     warnings: Vec::new(),
/// };
/// let xml = message.to_xml();
/// assert_eq!(AcknowledgeMessage::parse(&xml)?, message);
/// # Ok::<(), demail::xml::XmlError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AcknowledgeMessage {
    /// `Sender`: the issuer's (system) De-Mail address.
    pub sender: String,
    /// `Metadata`: the original's metadata fields (Table 24).
    pub metadata: Vec<Metadate>,
    /// `Subject`.
    pub subject: String,
    /// `Text`: the explanation of the confirmation.
    pub text: String,
    /// `Hash`: the complete value of the original's `X-de-mail-integrity`.
    pub hash: String,
    /// `Time`: when the confirmation was made.
    pub time: DateTime,
    /// `DeliveryTime`: only in a retrieve confirmation, when the message
    /// reached the mailbox.
    pub delivery_time: Option<DateTime>,
    /// `ds:Signature`, kept byte-exact; `None` in the unsigned document that
    /// is the input to signing (D31).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub signature: Option<SignatureElement>,
    /// Namespace declarations of the document element besides the default
    /// `urn:de-mail` (e.g. `xmlns:ds`), `(prefix, uri)`; kept so that a
    /// re-serialized signature's prefixes stay bound.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub namespaces: Vec<(String, String)>,
    /// What the reader accepted but reports (a `Time` without time zone,
    /// D85); empty in a document built by the crate, not serialized.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub warnings: Vec<XmlWarning>,
}

impl AcknowledgeMessage {
    /// Parses a document with the default [`XmlLimits`].
    ///
    /// # Errors
    /// An [`XmlError`] naming the element and byte offset.
    pub fn parse(xml: &[u8]) -> Result<Self, XmlError> {
        Self::parse_with_limits(xml, XmlLimits::default())
    }

    /// Parses a document with the given limits.
    ///
    /// # Errors
    /// An [`XmlError`] naming the element and byte offset.
    pub fn parse_with_limits(xml: &[u8], limits: XmlLimits) -> Result<Self, XmlError> {
        let text = decode(xml, &limits)?;
        let mut doc = Document::new(&text, limits);
        let root = ACKNOWLEDGE_MESSAGE;
        let namespaces = doc.root(root)?;
        let (sender, _) = doc.expect_text(root, "Sender")?;
        let metadata = read_metadata(&mut doc)?;
        let (subject, _) = doc.expect_text(root, "Subject")?;
        let (text, _) = doc.expect_text(root, "Text")?;
        let (hash, _) = doc.expect_text(root, "Hash")?;
        let time = doc.expect_date_time(root, "Time")?;
        let delivery_time = doc.optional_date_time("DeliveryTime")?;
        let signature = match doc.optional(XMLDSIG_NS, "Signature")? {
            Some(start) => {
                let limit = doc.limits().max_signature_elements;
                let range = doc.skip_element(&start, limit, "ds:Signature element")?;
                Some(SignatureElement {
                    raw: doc.slice(range).to_owned(),
                })
            }
            None => None,
        };
        let expected = match (&signature, &delivery_time) {
            (Some(_), _) => "the end of Acknowledge-Message",
            (None, Some(_)) => "ds:Signature",
            (None, None) => "DeliveryTime or ds:Signature",
        };
        doc.expect_end(root, expected)?;
        doc.finish()?;
        Ok(AcknowledgeMessage {
            sender,
            metadata,
            subject,
            text,
            hash,
            time,
            delivery_time,
            signature,
            namespaces,
            warnings: doc.warnings,
        })
    }

    /// Serializes the document: XML declaration, UTF-8, elements in schema
    /// order, the signature (when present) written back byte-exact as the
    /// last child.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut out = String::with_capacity(2048 + self.metadata.len() * 256);
        xml::push_root_start(&mut out, ACKNOWLEDGE_MESSAGE, &self.namespaces);
        push_element(&mut out, "  ", "Sender", &self.sender);
        out.push_str("  <Metadata>\n");
        for metadate in &self.metadata {
            out.push_str("    <Metadate>\n");
            push_element(&mut out, "      ", "Name", &metadate.name);
            push_element(&mut out, "      ", "Value", &metadate.value);
            push_element(&mut out, "      ", "OriginalHeader", &metadate.original_header);
            out.push_str("    </Metadate>\n");
        }
        out.push_str("  </Metadata>\n");
        push_element(&mut out, "  ", "Subject", &self.subject);
        push_element(&mut out, "  ", "Text", &self.text);
        push_element(&mut out, "  ", "Hash", &self.hash);
        push_element(&mut out, "  ", "Time", &self.time.to_rfc3339());
        if let Some(delivery_time) = &self.delivery_time {
            push_element(&mut out, "  ", "DeliveryTime", &delivery_time.to_rfc3339());
        }
        if let Some(signature) = &self.signature {
            out.push_str(&signature.raw);
            out.push('\n');
        }
        out.push_str("</");
        out.push_str(ACKNOWLEDGE_MESSAGE);
        out.push_str(">\n");
        out.into_bytes()
    }

    /// The metadata entry for a field name (compared case-insensitively), first one.
    pub fn metadate(&self, name: &str) -> Option<&Metadate> {
        self.metadata.iter().find(|m| m.name.eq_ignore_ascii_case(name))
    }
}

/// `Metadata`: one or more `Metadate` (the schema's sequence has minOccurs 1).
fn read_metadata(doc: &mut Document<'_>) -> Result<Vec<Metadate>, XmlError> {
    let parent = "Metadata";
    doc.expect_start(ACKNOWLEDGE_MESSAGE, parent)?;
    let mut metadata = Vec::new();
    loop {
        if !metadata.is_empty() && doc.at_end()? {
            doc.expect_end(parent, "Metadate")?;
            return Ok(metadata);
        }
        let start = doc.expect_start(parent, "Metadate")?;
        if metadata.len() == doc.limits().max_metadata {
            return Err(XmlError::TooManyElements {
                element: "Metadate",
                limit: doc.limits().max_metadata,
                offset: start.offset,
            });
        }
        let (name, _) = doc.expect_text("Metadate", "Name")?;
        let (value, _) = doc.expect_text("Metadate", "Value")?;
        let (original_header, _) = doc.expect_text("Metadate", "OriginalHeader")?;
        doc.expect_end("Metadate", "the end of Metadate")?;
        metadata.push(Metadate {
            name,
            value,
            original_header,
        });
    }
}
