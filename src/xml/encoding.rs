//! Decoding a document to UTF-8 before anything else reads it (XML 1.0
//! §4.3.3 and Appendix F): UTF-8 (with or without a byte order mark),
//! UTF-16 with a byte order mark, and ISO-8859-1 when the XML declaration
//! names it. Transcoding uses encoding_rs; nothing is guessed: a document
//! whose declaration names another encoding, or whose bytes do not decode in
//! the encoding detected, is refused (D83).
//!
//! The text returned is also checked against XML 1.0 `Char` (§2.2) and has
//! its line ends normalized (§2.11), so offsets in every later error refer
//! to the decoded, LF-normalized text.

use std::borrow::Cow;

use super::{XmlError, XmlLimits};

/// An encoding the reader accepts (XML 1.0 §4.3.3, D83).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
}

impl Encoding {
    /// The encoding's canonical name (IANA).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le | Encoding::Utf16Be => "UTF-16",
            Encoding::Latin1 => "ISO-8859-1",
        }
    }

    /// The encoding an XML declaration's `encoding` label names, if it is
    /// one the reader accepts (IANA names and aliases, case-insensitive).
    fn from_label(label: &str) -> Option<Encoding> {
        const LATIN1: [&str; 5] = ["iso-8859-1", "iso_8859-1", "latin1", "l1", "iso-ir-100"];
        if label.eq_ignore_ascii_case("utf-8") {
            Some(Encoding::Utf8)
        } else if label.eq_ignore_ascii_case("utf-16") {
            Some(Encoding::Utf16Le)
        } else if LATIN1.iter().any(|l| label.eq_ignore_ascii_case(l)) {
            Some(Encoding::Latin1)
        } else {
            None
        }
    }
}

/// Checks the size, decodes to UTF-8, checks the characters and normalizes
/// line ends.
pub(crate) fn decode<'x>(xml: &'x [u8], limits: &XmlLimits) -> Result<Cow<'x, str>, XmlError> {
    if xml.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: xml.len(),
            limit: limits.max_bytes,
        });
    }
    let text = transcode(xml)?;
    if let Some(offset) = first_invalid_char(&text) {
        let c = text[offset..].chars().next().unwrap_or('\u{FFFD}');
        return Err(XmlError::InvalidCharacter {
            code: u32::from(c),
            element: "document".into(),
            offset,
        });
    }
    if !text.contains('\r') {
        return Ok(text);
    }
    Ok(Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")))
}

/// The offset of the first character outside XML 1.0's `Char` production,
/// by a byte scan (valid UTF-8 has no surrogates, so only C0 controls and
/// U+FFFE/U+FFFF remain).
fn first_invalid_char(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        let bad = match b {
            b'\t' | b'\n' | b'\r' => false,
            0..=0x1F => true,
            // U+FFFE and U+FFFF are EF BF BE / EF BF BF.
            0xEF => bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)),
            _ => false,
        };
        bad.then_some(i)
    })
}

/// The text in UTF-8, by byte order mark, else by the declaration's label.
fn transcode(xml: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    let (detected, body) = if let Some(body) = xml.strip_prefix(b"\xEF\xBB\xBF") {
        (Encoding::Utf8, body)
    } else if let Some(body) = xml.strip_prefix(b"\xFF\xFE") {
        (Encoding::Utf16Le, body)
    } else if let Some(body) = xml.strip_prefix(b"\xFE\xFF") {
        (Encoding::Utf16Be, body)
    } else {
        // Without a mark the declaration, if any, is ASCII (XML 1.0 App. F).
        let declared = declared_label(xml).map(|label| {
            Encoding::from_label(&label).ok_or(XmlError::Encoding {
                encoding: label,
                offset: 0,
            })
        });
        (declared.transpose()?.unwrap_or(Encoding::Utf8), xml)
    };
    let text = match detected {
        Encoding::Utf8 => Cow::Borrowed(std::str::from_utf8(body).map_err(|e| XmlError::Undecodable {
            encoding: detected.name(),
            offset: e.valid_up_to(),
        })?),
        Encoding::Latin1 => encoding_rs::mem::decode_latin1(body),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let codec = if detected == Encoding::Utf16Le {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            let text = codec
                .decode_without_bom_handling_and_without_replacement(body)
                .ok_or(XmlError::Undecodable {
                    encoding: detected.name(),
                    offset: 0,
                })?;
            Cow::Owned(text.into_owned())
        }
    };
    // A declaration naming another encoding than the one read is an error
    // (XML 1.0 §4.3.3); UTF-16 is only read with its byte order mark.
    if let Some(label) = declared_label(text.as_bytes()) {
        let named = Encoding::from_label(&label);
        let agrees = match detected {
            Encoding::Utf16Le | Encoding::Utf16Be => named == Some(Encoding::Utf16Le),
            other => named == Some(other),
        };
        if !agrees {
            return Err(XmlError::Encoding {
                encoding: label,
                offset: 0,
            });
        }
    }
    Ok(text)
}

/// Decoded text whose XML declaration names another encoding than UTF-8,
/// with the label changed to `UTF-8`, so the text can be written out as
/// UTF-8 bytes (a signed document, XML 1.0 §4.3.3).
pub(crate) fn declare_utf8(text: Cow<'_, str>) -> Cow<'_, str> {
    let Some(label) = declared_label(text.as_bytes()) else {
        return text;
    };
    if Encoding::from_label(&label) == Some(Encoding::Utf8) {
        return text;
    }
    let end = text.find("?>").unwrap_or(0);
    let Some(at) = text[..end].find(label.as_str()) else {
        return text;
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..at]);
    out.push_str("UTF-8");
    out.push_str(&text[at + label.len()..]);
    Cow::Owned(out)
}

/// The `encoding` label of an XML declaration at the very start, if any.
fn declared_label(text: &[u8]) -> Option<String> {
    let rest = text.strip_prefix(b"<?xml")?;
    if !rest
        .first()
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        return None;
    }
    let end = memchr::memmem::find(rest, b"?>")?;
    let declaration = &rest[..end];
    let at = memchr::memmem::find(declaration, b"encoding")?;
    let after = declaration[at + "encoding".len()..].trim_ascii_start();
    let after = after.strip_prefix(b"=")?.trim_ascii_start();
    let quote = *after.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let value = &after[1..];
    let close = memchr::memchr(quote, value)?;
    Some(String::from_utf8_lossy(&value[..close]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &[u8]) -> Result<String, XmlError> {
        decode(xml, &XmlLimits::default()).map(Cow::into_owned)
    }

    // XML 1.0 §4.3.3: Latin-1 bytes under an ISO-8859-1 declaration.
    #[test]
    fn latin1_declaration_transcodes_every_byte() {
        let xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE4\x80</a>";
        assert_eq!(
            read(xml).unwrap(),
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\u{E4}\u{80}</a>"
        );
    }

    // XML 1.0 §4.3.3, Appendix F: UTF-16 is recognised by its byte order mark.
    #[test]
    fn utf16_with_bom_transcodes_both_byte_orders() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>\u{E4}</a>";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(read(&le).unwrap(), text);
        assert_eq!(read(&be).unwrap(), text);
    }

    // XML 1.0 §4.3.3: a declaration must name the encoding actually used.
    #[test]
    fn other_or_contradicting_encodings_are_refused() {
        let shift_jis = b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>";
        assert!(matches!(read(shift_jis), Err(XmlError::Encoding { .. })));
        let mut utf16_says_utf8 = vec![0xFF, 0xFE];
        for unit in "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>".encode_utf16() {
            utf16_says_utf8.extend_from_slice(&unit.to_le_bytes());
        }
        assert!(matches!(read(&utf16_says_utf8), Err(XmlError::Encoding { .. })));
        assert!(matches!(
            read(b"<a>\xff</a>"),
            Err(XmlError::Undecodable { offset: 3, .. })
        ));
    }

    #[test]
    fn a_transcoded_declaration_is_rewritten_to_utf8() {
        let text = decode(
            b"<?xml version='1.0' encoding='latin1'?><a>\xE4</a>",
            &XmlLimits::default(),
        )
        .unwrap();
        assert_eq!(
            declare_utf8(text),
            "<?xml version='1.0' encoding='UTF-8'?><a>\u{E4}</a>"
        );
    }

    // XML 1.0 §2.2 and §2.11.
    #[test]
    fn control_characters_are_refused_and_line_ends_normalized() {
        assert!(matches!(
            read(b"<a>\x01</a>"),
            Err(XmlError::InvalidCharacter {
                code: 1,
                offset: 3,
                ..
            })
        ));
        assert!(matches!(
            read("<a>\u{FFFF}</a>".as_bytes()),
            Err(XmlError::InvalidCharacter { code: 0xFFFF, .. })
        ));
        assert_eq!(read(b"<a>\r\n\r</a>").unwrap(), "<a>\n\n</a>");
    }
}
