//! The `Acknowledge-Message` document (TR 01201-3.4 §3.5.1 Tables 23/24,
//! schema §3.5.3): parse and serialize.

use crate::xml::{self, Step, XMLDSIG_NS, XmlDateTime, XmlError, XmlLimits, XmlReader, push_element};

/// The document element's local name (§3.5.3).
pub const ACKNOWLEDGE_MESSAGE: &str = "Acknowledge-Message";

/// One metadata field of the original message (Metadate, Table 24).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
/// use demail::xml::XmlDateTime;
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
///     time: XmlDateTime::parse("2026-11-24T10:00:00+01:00").unwrap(),
///     delivery_time: None,
///     signature: None,
///     namespaces: Vec::new(),
/// };
/// let xml = message.to_xml();
/// assert_eq!(AcknowledgeMessage::parse(&xml)?, message);
/// # Ok::<(), demail::xml::XmlError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub time: XmlDateTime,
    /// `DeliveryTime`: only in a retrieve confirmation, when the message
    /// reached the mailbox.
    pub delivery_time: Option<XmlDateTime>,
    /// `ds:Signature`, kept byte-exact; `None` in the unsigned document that
    /// is the input to signing (D31).
    pub signature: Option<SignatureElement>,
    /// Namespace declarations of the document element besides the default
    /// `urn:de-mail` (e.g. `xmlns:ds`), `(prefix, uri)`; kept so that a
    /// re-serialized signature's prefixes stay bound.
    pub namespaces: Vec<(String, String)>,
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
        let mut reader = XmlReader::new(xml, limits)?;
        let root = ACKNOWLEDGE_MESSAGE;
        let (namespaces, empty) = xml::expect_root(&mut reader, root)?;
        if empty {
            return Err(XmlError::MissingElement {
                missing: "Sender",
                parent: root.into(),
                offset: 0,
            });
        }
        let (sender, _) = xml::expect_text(&mut reader, root, "Sender")?;
        let metadata = read_metadata(&mut reader)?;
        let (subject, _) = xml::expect_text(&mut reader, root, "Subject")?;
        let (text, _) = xml::expect_text(&mut reader, root, "Text")?;
        let (hash, _) = xml::expect_text(&mut reader, root, "Hash")?;
        let (time, offset) = xml::expect_text(&mut reader, root, "Time")?;
        let time = xml::date_time("Time", &time, offset)?;
        let mut delivery_time = None;
        let mut signature = None;
        loop {
            match reader.next_structural()? {
                Step::Start {
                    name,
                    offset,
                    tag,
                    empty,
                    ..
                } if name.is_de_mail("DeliveryTime") && delivery_time.is_none() && signature.is_none() => {
                    reader.namespace_declarations(&tag, "DeliveryTime", offset)?;
                    let text = reader.text_content("DeliveryTime", empty)?;
                    delivery_time = Some(xml::date_time("DeliveryTime", &text, offset)?);
                }
                Step::Start {
                    name,
                    offset,
                    empty,
                    end,
                    ..
                } if name.namespace == XMLDSIG_NS && name.local == "Signature" && signature.is_none() => {
                    let range = if empty {
                        offset..end
                    } else {
                        let limit = reader.limits().max_signature_elements;
                        reader.skip_element(offset, limit, "ds:Signature element")?
                    };
                    let raw = String::from_utf8_lossy(&reader.input()[range]).into_owned();
                    signature = Some(SignatureElement { raw });
                }
                Step::Start { name, offset, .. } => {
                    return Err(XmlError::UnexpectedElement {
                        found: name.to_string(),
                        parent: root.into(),
                        expected: if signature.is_some() {
                            "the end of Acknowledge-Message"
                        } else {
                            "DeliveryTime or ds:Signature"
                        },
                        offset,
                    });
                }
                Step::End { .. } => break,
                Step::Eof { offset } | Step::Text { offset, .. } => {
                    return Err(XmlError::Syntax {
                        element: root.into(),
                        offset,
                        message: "unexpected end of input".into(),
                    });
                }
            }
        }
        reader.finish()?;
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
        push_element(&mut out, "  ", "Time", &self.time.to_string());
        if let Some(delivery_time) = &self.delivery_time {
            push_element(&mut out, "  ", "DeliveryTime", &delivery_time.to_string());
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

fn read_metadata(reader: &mut XmlReader<'_>) -> Result<Vec<Metadate>, XmlError> {
    let parent = "Metadata";
    let empty = match reader.next_structural()? {
        Step::Start {
            name,
            offset,
            tag,
            empty,
            ..
        } if name.is_de_mail(parent) => {
            reader.namespace_declarations(&tag, parent, offset)?;
            if empty {
                // The schema's sequence has minOccurs 1.
                return Err(XmlError::MissingElement {
                    missing: "Metadate",
                    parent: parent.into(),
                    offset,
                });
            }
            empty
        }
        Step::Start { name, offset, .. } => {
            return Err(XmlError::UnexpectedElement {
                found: name.to_string(),
                parent: ACKNOWLEDGE_MESSAGE.into(),
                expected: parent,
                offset,
            });
        }
        Step::End { end: offset } | Step::Eof { offset } | Step::Text { offset, .. } => {
            return Err(XmlError::MissingElement {
                missing: parent,
                parent: ACKNOWLEDGE_MESSAGE.into(),
                offset,
            });
        }
    };
    debug_assert!(!empty);
    let mut metadata = Vec::new();
    loop {
        match reader.next_structural()? {
            Step::Start {
                name,
                offset,
                tag,
                empty,
                ..
            } if name.is_de_mail("Metadate") => {
                if metadata.len() == reader.limits().max_metadata {
                    return Err(XmlError::TooManyElements {
                        element: "Metadate",
                        limit: reader.limits().max_metadata,
                        offset,
                    });
                }
                reader.namespace_declarations(&tag, "Metadate", offset)?;
                if empty {
                    return Err(XmlError::MissingElement {
                        missing: "Name",
                        parent: "Metadate".into(),
                        offset,
                    });
                }
                let (name, _) = xml::expect_text(reader, "Metadate", "Name")?;
                let (value, _) = xml::expect_text(reader, "Metadate", "Value")?;
                let (original_header, _) = xml::expect_text(reader, "Metadate", "OriginalHeader")?;
                xml::expect_end(reader, "Metadate", "the end of Metadate")?;
                metadata.push(Metadate {
                    name,
                    value,
                    original_header,
                });
            }
            Step::Start { name, offset, .. } => {
                return Err(XmlError::UnexpectedElement {
                    found: name.to_string(),
                    parent: parent.into(),
                    expected: "Metadate",
                    offset,
                });
            }
            Step::End { end } => {
                if metadata.is_empty() {
                    return Err(XmlError::MissingElement {
                        missing: "Metadate",
                        parent: parent.into(),
                        offset: end,
                    });
                }
                return Ok(metadata);
            }
            Step::Eof { offset } | Step::Text { offset, .. } => {
                return Err(XmlError::Syntax {
                    element: parent.into(),
                    offset,
                    message: "unexpected end of input".into(),
                });
            }
        }
    }
}
