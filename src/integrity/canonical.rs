//! The canonical input of the integrity value (TR 01201-3.4 §3.1.21; RFC
//! 6376 §3.4.3, §3.7): the simple body, its hash, and the header input with
//! the De-Mail rule that the first occurrence from the top is hashed.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Range;

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
    let occurrences = field_occurrences(fields, integrity);
    let groups: Vec<Range<usize>> = signed.iter().map(|name| occurrences.group(name)).collect();
    header_input_from(fields, &groups, integrity, &occurrences)
}

/// [`header_input`] with the [`field_occurrences`] of `fields` and the group
/// of each name of `h=` already at hand, so that the verifier finds them
/// once for the input and the duplicate check (issue 13).
pub(crate) fn header_input_from(
    fields: &[RawField<'_>],
    signed: &[Range<usize>],
    integrity: &RawField<'_>,
    occurrences: &FieldOccurrences<'_>,
) -> Vec<u8> {
    let mut input = Vec::with_capacity(2048);
    // How many occurrences of each name `h=` has used so far, kept at the
    // position where the name's group starts.
    let mut used = vec![0usize; occurrences.len()];
    for group in signed.iter().cloned() {
        if group.is_empty() {
            continue; // no field of that name
        }
        let taken = &mut used[group.start];
        let next = occurrences.entries[group].get(*taken).map(|&(_, _, i)| i);
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

/// The header's fields grouped by name (names compare case-insensitively,
/// RFC 5322 §1.2.2), each group top to bottom, without the integrity field
/// itself: built with one sort of borrowed names, so that selecting the
/// fields of `h=` and finding their duplicates costs O(n log n) (D95).
#[derive(Debug, Clone)]
pub struct FieldOccurrences<'f> {
    /// Each field's name and index, sorted by [`NameKey`] and then by
    /// name; a stable sort keeps each name's fields in header order.
    entries: Vec<(NameKey, &'f str, usize)>,
}

impl FieldOccurrences<'_> {
    /// The indices of the fields named `name` (any case), top to bottom.
    pub fn of(&self, name: &str) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.indices(self.group(name))
    }

    /// The indices of one group, top to bottom.
    pub(crate) fn indices(&self, group: Range<usize>) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.entries[group].iter().map(|&(_, _, i)| i)
    }

    /// Where the fields named `name` lie, in the order of the groups (empty
    /// when there is none); distinct names have disjoint groups.
    pub(crate) fn group(&self, name: &str) -> Range<usize> {
        let key = NameKey::of(name);
        let start = self
            .entries
            .partition_point(|&(k, n, _)| compare(k, n, key, name).is_lt());
        let len = self.entries[start..]
            .iter()
            .take_while(|&&(k, n, _)| k == key && n.eq_ignore_ascii_case(name))
            .count();
        start..start + len
    }

    /// The number of fields counted.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// What decides most comparisons of two field names at once: the length and
/// the last eight bytes with bit `0x20` set, which is the same for a name in
/// any case (a letter's two cases differ only in that bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct NameKey(usize, u64);

impl NameKey {
    fn of(name: &str) -> Self {
        let bytes = name.as_bytes();
        let tail = &bytes[bytes.len().saturating_sub(8)..];
        let mut word = [0u8; 8];
        word[..tail.len()].copy_from_slice(tail);
        NameKey(bytes.len(), u64::from_le_bytes(word) | 0x2020_2020_2020_2020)
    }
}

/// A total order of field names in which names that differ only in case
/// are equal (RFC 5322 §1.2.2): by [`NameKey`], then byte by byte in lower
/// case. Names with equal keys are mostly the same name, which the
/// word-wise `eq_ignore_ascii_case` confirms at once.
fn compare(key: NameKey, name: &str, other_key: NameKey, other: &str) -> Ordering {
    key.cmp(&other_key).then_with(|| {
        if name.eq_ignore_ascii_case(other) {
            return Ordering::Equal;
        }
        let lower = |b: &u8| b.to_ascii_lowercase();
        name.as_bytes()
            .iter()
            .map(lower)
            .cmp(other.as_bytes().iter().map(lower))
    })
}

/// The fields' occurrences by name, without the integrity field itself.
pub fn field_occurrences<'f>(fields: &[RawField<'f>], integrity: &RawField<'_>) -> FieldOccurrences<'f> {
    let mut entries: Vec<(NameKey, &'f str, usize)> = fields
        .iter()
        .enumerate()
        .filter(|(_, field)| !std::ptr::eq(field.raw, integrity.raw))
        .map(|(i, field)| (NameKey::of(field.name), field.name, i))
        .collect();
    entries.sort_by(|a, b| compare(a.0, a.1, b.0, b.1));
    FieldOccurrences { entries }
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
    let Some(colon) = memchr::memchr(b':', raw) else {
        return Cow::Borrowed(raw);
    };
    let tags = colon + 1;
    let mut start = tags;
    for spec_end in memchr::memchr_iter(b';', &raw[tags..])
        .map(|i| tags + i)
        .chain([raw.len()])
    {
        let spec = &raw[start..spec_end];
        if let Some(eq) = memchr::memchr(b'=', spec)
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

    /// The former deletion: split at every `;`, the first tag named `b`.
    fn without_b_value_reference(raw: &[u8]) -> Vec<u8> {
        let raw = match raw.strip_suffix(b"\n") {
            Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
            None => raw,
        };
        let Some(colon) = raw.iter().position(|b| *b == b':') else {
            return raw.to_vec();
        };
        let mut start = colon + 1;
        for spec in raw[colon + 1..].split(|b| *b == b';') {
            let spec_end = start + spec.len();
            if let Some(eq) = spec.iter().position(|b| *b == b'=')
                && trim_ws(&spec[..eq]) == b"b"
            {
                return [&raw[..start + eq + 1], &raw[spec_end..]].concat();
            }
            start = spec_end + 1;
        }
        raw.to_vec()
    }

    /// The former occurrence map: indices by lower-cased name.
    fn occurrences_reference(names: &[String]) -> std::collections::HashMap<String, Vec<usize>> {
        let mut map = std::collections::HashMap::<String, Vec<usize>>::new();
        for (i, name) in names.iter().enumerate() {
            map.entry(name.to_ascii_lowercase()).or_default().push(i);
        }
        map
    }

    /// Short names, names that differ only before their last eight bytes,
    /// in case, or in bit 0x20 of a non-letter (`@` and `` ` ``).
    const NAMES: &str = "[aAbB-]{0,3}|[ab@`A]{1,2}[xX]-[dD][eE]-mail-[a@`]|[a-zA-Z:@`-]{7,11}";

    proptest::proptest! {
        // RFC 6376 §3.7: the same bytes deleted as by the former search.
        #[test]
        fn b_value_deletion_matches_the_reference(
            raw in proptest::collection::vec(proptest::sample::select(b"b= ;:\r\nxa".to_vec()), 0..60),
        ) {
            proptest::prop_assert_eq!(without_b_value(&raw).into_owned(), without_b_value_reference(&raw));
        }

        // RFC 5322 §1.2.2: names compare case-insensitively; each name's
        // fields stay in header order (TR 01201-3.4 §3.1.21: the first
        // occurrence from the top is the signed one).
        #[test]
        fn occurrences_match_a_map_by_lower_case_name(
            names in proptest::collection::vec(NAMES, 0..40),
            asked in proptest::collection::vec(NAMES, 0..10),
        ) {
            let raws: Vec<String> = names.iter().map(|n| format!("{n}: v\r\n")).collect();
            let fields: Vec<RawField<'_>> = names
                .iter()
                .zip(&raws)
                .map(|(name, raw)| RawField::new(name, b" v", raw.as_bytes(), 0))
                .collect();
            let integrity_raw = b"X-de-mail-integrity: b=\r\n".to_vec();
            let integrity = RawField::new("X-de-mail-integrity", b" b=", &integrity_raw, 0);
            let occurrences = field_occurrences(&fields, &integrity);
            let reference = occurrences_reference(&names);
            for name in names.iter().chain(&asked) {
                let expected = reference.get(&name.to_ascii_lowercase()).cloned().unwrap_or_default();
                proptest::prop_assert_eq!(occurrences.of(name).collect::<Vec<_>>(), expected);
            }
        }
    }

    // TR 01201-3.4 §3.1.21: the integrity field itself is never an occurrence.
    #[test]
    fn occurrences_leave_out_the_integrity_field() {
        let raw = b"X-de-mail-integrity: b=\r\n";
        let integrity = RawField::new("X-de-mail-integrity", b" b=", raw, 0);
        let again = RawField::new("x-de-mail-INTEGRITY", b" b=", b"x-de-mail-INTEGRITY: b=\r\n", 30);
        let fields = [integrity, again];
        let occurrences = field_occurrences(&fields, &fields[0]);
        assert_eq!(occurrences.of("X-DE-MAIL-integrity").collect::<Vec<_>>(), [1]);
        assert_eq!(occurrences.of("From").count(), 0);
    }
}
