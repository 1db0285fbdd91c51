//! The canonical input of the integrity value (TR 01201-3.4 §3.1.21; RFC
//! 6376 §3.4.3, §3.7): the simple body, its hash, and the header input with
//! the De-Mail rule that the first occurrence from the top is hashed.

use std::borrow::Cow;

use crate::crypto::HashAlgorithm;
use crate::header::{RawField, trim_ws};

/// The body after simple canonicalization (RFC 6376 §3.4.3): trailing empty
/// lines removed, and a final CRLF; an empty body becomes a single CRLF.
/// Returns the kept part of the body, to which the canonical form always
/// appends one CRLF.
pub fn canonical_body(body: &[u8]) -> &[u8] {
    let mut end = body.len();
    while end >= 2 && &body[end - 2..end] == b"\r\n" {
        end -= 2;
    }
    // `end` is after the last non-empty line, without its CRLF.
    &body[..end]
}

/// The hash of the canonical body (the value of `bh=`).
pub fn body_hash(body: &[u8], hash: HashAlgorithm) -> Vec<u8> {
    let mut context = hash.context();
    context.update(canonical_body(body));
    context.update(b"\r\n");
    context.finish().as_ref().to_vec()
}

/// The header input of RFC 6376 §3.7 with the De-Mail selection rule: for
/// each name of `h=`, the next unused occurrence **from the top**; then the
/// integrity field with the `b=` value deleted and no trailing CRLF.
pub fn header_input(fields: &[RawField<'_>], signed: &[Cow<'_, str>], integrity: &RawField<'_>) -> Vec<u8> {
    header_input_from(fields, signed, integrity, &field_occurrences(fields, integrity))
}

/// [`header_input`] with the [`field_occurrences`] of `fields` already at
/// hand, so that the verifier builds them once for the input and the
/// duplicate check (issue 13).
pub(crate) fn header_input_from(
    fields: &[RawField<'_>],
    signed: &[Cow<'_, str>],
    integrity: &RawField<'_>,
    occurrences: &std::collections::HashMap<String, std::collections::VecDeque<usize>>,
) -> Vec<u8> {
    let mut input = Vec::with_capacity(2048);
    // How many occurrences of each name `h=` has used so far.
    let mut used: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(signed.len());
    for name in signed {
        let name = name.to_ascii_lowercase();
        let Some(indices) = occurrences.get(&name) else {
            continue;
        };
        let taken = used.entry(name).or_insert(0);
        let next = indices.get(*taken).copied();
        *taken += 1;
        if let Some(i) = next {
            let field = &fields[i];
            input.extend_from_slice(field.raw);
            if !field.raw.ends_with(b"\n") {
                input.extend_from_slice(b"\r\n");
            }
        }
    }
    input.extend_from_slice(&without_b_value(integrity.raw));
    input
}

/// The indices of the fields by lower-cased name, top to bottom, without
/// the integrity field itself: one pass over the header, so that selecting
/// the fields of `h=` and finding their duplicates is linear (D95).
pub fn field_occurrences(
    fields: &[RawField<'_>],
    integrity: &RawField<'_>,
) -> std::collections::HashMap<String, std::collections::VecDeque<usize>> {
    let mut map: std::collections::HashMap<String, std::collections::VecDeque<usize>> =
        std::collections::HashMap::with_capacity(fields.len());
    for (i, field) in fields.iter().enumerate() {
        if std::ptr::eq(field.raw, integrity.raw) {
            continue;
        }
        map.entry(field.name.to_ascii_lowercase())
            .or_default()
            .push_back(i);
    }
    map
}

/// The integrity field's bytes with the `b=` value deleted and the final
/// line end removed (RFC 6376 §3.7).
pub fn without_b_value(raw: &[u8]) -> Cow<'_, [u8]> {
    let mut end = raw.len();
    if raw[..end].ends_with(b"\n") {
        end -= 1;
        if raw[..end].ends_with(b"\r") {
            end -= 1;
        }
    }
    let raw = &raw[..end];
    let Some(colon) = raw.iter().position(|b| *b == b':') else {
        return Cow::Borrowed(raw);
    };
    let mut start = colon + 1;
    for spec in raw[colon + 1..].split(|b| *b == b';') {
        let spec_end = start + spec.len();
        if let Some(eq) = spec.iter().position(|b| *b == b'=')
            && trim_ws(&spec[..eq]) == b"b"
        {
            let mut out = Vec::with_capacity(raw.len());
            out.extend_from_slice(&raw[..start + eq + 1]);
            out.extend_from_slice(&raw[spec_end..]);
            return Cow::Owned(out);
        }
        start = spec_end + 1;
    }
    Cow::Borrowed(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6376 §3.4.3 simple body canonicalization
    #[test]
    fn simple_body_canonicalization() {
        assert_eq!(canonical_body(b""), b"");
        assert_eq!(canonical_body(b"\r\n\r\n"), b"");
        assert_eq!(canonical_body(b"a\r\n\r\n\r\n"), b"a");
        assert_eq!(canonical_body(b"a\r\nb"), b"a\r\nb");
        assert_eq!(
            body_hash(b"a\r\n\r\n", HashAlgorithm::Sha256),
            body_hash(b"a\r\n", HashAlgorithm::Sha256)
        );
        assert_eq!(
            body_hash(b"", HashAlgorithm::Sha256),
            HashAlgorithm::Sha256.digest(b"\r\n")
        );
    }

    // RFC 6376 §3.7: the b= value is deleted with its surrounding white space
    #[test]
    fn b_value_is_deleted_but_bh_is_kept() {
        let raw = b"x-de-mail-integrity: a=sha256; bh=QUJD;\r\n b=REVG\r\n R0g=\r\n";
        assert_eq!(
            without_b_value(raw).as_ref(),
            b"x-de-mail-integrity: a=sha256; bh=QUJD;\r\n b="
        );
        let raw = b"x-de-mail-integrity: b=REVG; a=sha256\r\n";
        assert_eq!(
            without_b_value(raw).as_ref(),
            b"x-de-mail-integrity: b=; a=sha256"
        );
    }
}
