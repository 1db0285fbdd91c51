//! PEM and base64 helpers shared by the certificate, key, integrity and
//! XML-DSig code (RFC 7468 textual encodings; RFC 4648 base64), in a module
//! of their own so that `crypto` and `certificate` do not depend on each
//! other.
//!
//! Crate-internal; the public entry points are
//! [`crate::certificate::Certificate::from_pem`] and
//! [`crate::crypto::SigningKey::from_pkcs8_pem`]:
//!
//! ```
//! use demail::certificate::Certificate;
//!
//! let pem = std::fs::read_to_string("tests/data/keys/ca.cert.pem")?;
//! assert_eq!(Certificate::all_from_pem(&pem)?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use base64::Engine as _;

/// Decodes base64 that may be folded: ASCII white space is ignored, as in
/// PEM bodies, the certificate field and the `b=`/`bh=` tags.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(without_ascii_whitespace(text.as_bytes()))
        .ok()
}

/// `bytes` with every ASCII white space byte removed (folding included),
/// borrowed when it has none: the one way base64 text is compacted
/// (`X-de-mail-signature-certificate`, TR 01201-3.4 §3.1.14; `b=`, `bh=`;
/// PEM bodies).
///
/// Line by line: the white space of folded base64 sits at the line ends,
/// which are trimmed, and a line's inside is tested with one comparison a
/// byte and no early exit, which the compiler vectorises (every ASCII white
/// space byte is at most 0x20); only a line with such a byte inside is
/// filtered exactly (another control byte is kept, and refused by the
/// decoder).
pub(crate) fn without_ascii_whitespace(bytes: &[u8]) -> Cow<'_, [u8]> {
    let has_low_byte = |bytes: &[u8]| bytes.iter().fold(false, |low, &b| low | (b <= b' '));
    let trimmed = crate::header::trim_ws(bytes);
    if !has_low_byte(trimmed) {
        return Cow::Borrowed(trimmed);
    }
    let mut compact = Vec::with_capacity(trimmed.len());
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', trimmed).chain([trimmed.len()]) {
        let line = crate::header::trim_ws(&trimmed[start..end]);
        if has_low_byte(line) {
            compact.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        } else {
            compact.extend_from_slice(line);
        }
        start = end + 1;
    }
    Cow::Owned(compact)
}

/// The DER of the first PEM block with the given label.
pub(crate) fn pem_to_der(pem: &str, label: &str) -> Option<Vec<u8>> {
    pem_blocks(pem, label).into_iter().next().flatten()
}

pub(crate) fn pem_blocks(pem: &str, label: &str) -> Vec<Option<Vec<u8>>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(&begin) {
        let body_start = start + begin.len();
        let Some(stop) = rest[body_start..].find(&end) else {
            blocks.push(None);
            break;
        };
        blocks.push(decode_base64(&rest[body_start..body_start + stop]));
        rest = &rest[body_start + stop + end.len()..];
    }
    blocks
}

/// One PEM block of [`strict_blocks`]: its label, its DER, the line its
/// `BEGIN` stands on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Vec<u8>,
    pub(crate) line: usize,
}

/// What breaks a strict PEM sequence (RFC 7468 §2, §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PemProblem {
    /// A line outside a block that is neither empty nor a `BEGIN` line.
    TextOutsideBlock,
    /// A block without its `END` line, or an `END` of another label.
    Unterminated,
    /// The body is not base64.
    Base64,
}

/// Every PEM block of `lines`, in order, numbered from `first_line`:
/// nothing but blocks and empty lines may stand there (RFC 7468 §3, strict:
/// no explanatory text), so that no byte of the text goes unread.
pub(crate) fn strict_blocks<'a>(
    lines: impl Iterator<Item = &'a str>,
    first_line: usize,
) -> Result<Vec<PemBlock>, (usize, PemProblem)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (number, line) in (first_line..).zip(lines) {
        let line = line.trim_end_matches('\r');
        match &mut open {
            None if line.trim().is_empty() => {}
            None => {
                let label = line
                    .strip_prefix("-----BEGIN ")
                    .and_then(|rest| rest.strip_suffix("-----"))
                    .ok_or((number, PemProblem::TextOutsideBlock))?;
                open = Some((label.to_owned(), number, String::new()));
            }
            Some((label, begin, body)) => {
                if line.starts_with("-----") {
                    if line != format!("-----END {label}-----") {
                        return Err((number, PemProblem::Unterminated));
                    }
                    let der = decode_base64(body).ok_or((*begin, PemProblem::Base64))?;
                    blocks.push(PemBlock {
                        label: std::mem::take(label),
                        der,
                        line: *begin,
                    });
                    open = None;
                } else {
                    body.push_str(line);
                }
            }
        }
    }
    match open {
        Some((_, begin, _)) => Err((begin, PemProblem::Unterminated)),
        None => Ok(blocks),
    }
}

/// `der` as a PEM block with `label`, base64 in lines of 64 (RFC 7468 §2).
pub(crate) fn to_pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::decode_base64;

    /// The former decoder: every ASCII white space run removed, then decoded.
    fn reference(text: &str) -> Option<Vec<u8>> {
        let compact: String = text.split_ascii_whitespace().collect();
        base64::engine::general_purpose::STANDARD.decode(compact).ok()
    }

    // TR 01201-3.4 §3.1.21: `b=`, `bh=` and the certificate field are base64
    // that folding may split with white space (RFC 6376 §3.5 FWS).
    proptest::proptest! {
        #[test]
        fn folded_base64_decodes_as_the_reference(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            cuts in proptest::collection::vec((0usize..300, "[ \t\r\n\x0b\x0c]{1,3}"), 0..6),
            noise in proptest::option::of((0usize..300, proptest::char::any())),
        ) {
            let mut text = base64::engine::general_purpose::STANDARD.encode(&data);
            for (at, ws) in cuts {
                let at = at.min(text.len());
                text.insert_str(at, &ws);
            }
            if let Some((at, c)) = noise {
                let at = (0..=at.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                text.insert(at, c);
            }
            proptest::prop_assert_eq!(decode_base64(&text), reference(&text));
        }

        #[test]
        fn white_space_removal_matches_a_byte_filter(
            bytes in proptest::collection::vec(proptest::sample::select(b"aZ09+/= \t\r\n\x0b\x0c\x00\x1f".to_vec()), 0..120),
        ) {
            let expected: Vec<u8> = bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
            proptest::prop_assert_eq!(super::without_ascii_whitespace(&bytes).into_owned(), expected);
        }
    }
}
