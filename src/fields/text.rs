//! A header field's value as text, normalised when first read
//! (docs/decisions.md D208, D218): RFC 2047 decoded for RFC 5322
//! `unstructured` fields (RFC 5322 §3.2.5), unfolded for the integrity
//! field, white space removed for the signature certificate.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::OnceLock;

use super::{decode_unstructured, decode_unstructured_line};

/// The text of a header field value (Feldinhalt) that [`Envelope::parse`]
/// leaves in its received form until it is read: `Subject` (Betreff) and
/// `X-de-mail-account-holder` (vollständiger Name, TR 01201-3.4 §3.1.19)
/// with RFC 2047 encoded words, a folded `X-de-mail-integrity` (§3.1.13)
/// and `X-de-mail-signature-certificate` (§3.1.14).
///
/// Either text a builder set (`From<&str>`, `From<String>`), kept as given,
/// or a value as it arrived, normalised on first access and cached, so a
/// parse that never reads the text never copies it (docs/decisions.md D208,
/// D218):
/// - `Subject` and the account holder: encoded words decoded and white
///   space normalised (docs/decisions.md D12);
/// - the integrity field: unfolded (RFC 5322 §2.2.3), its tag list is
///   typed by [`IntegrityTags`](crate::integrity::IntegrityTags);
/// - the certificate: base64 with every white space byte removed.
///
/// It reads as a `str` ([`FieldText::as_str`], `Deref`, `Display`), compares
/// by that text, and serializes as that text (feature `serde`). It is
/// `Send + Sync`.
///
/// [`Envelope::parse`]: crate::envelope::Envelope::parse
///
/// ```
/// use demail::envelope::Envelope;
/// use demail::fields::FieldText;
///
/// let raw = b"Subject: =?utf-8?q?Stra=C3=9Fenbau?=\r\n\
///             X-de-mail-signature-certificate: TUlJ\r\n QkNn\r\n\r\n";
/// let envelope = Envelope::parse(raw)?;
/// let subject = envelope.metadata().subject.as_ref().unwrap();
/// assert_eq!(subject.as_str(), "Straßenbau"); // decoded here, once
/// assert_eq!(subject, &FieldText::from("Straßenbau"));
/// assert!(subject.starts_with("Straße"));
/// let certificate = envelope.metadata().signature_certificate.as_ref().unwrap();
/// assert_eq!(certificate.as_str(), "TUlJQkNn"); // white space removed here
/// # Ok::<(), demail::header::HeaderError>(())
/// ```
#[derive(Clone)]
pub struct FieldText<'a> {
    source: Source<'a>,
    /// The normalised text of a received source, once it was asked for.
    normalised: OnceLock<String>,
}

#[derive(Clone)]
enum Source<'a> {
    /// Final text: set by a builder, or a received value that needed no work.
    Text(Cow<'a, str>),
    /// An `unstructured` value with `=?` in it, folding kept; `line_end`
    /// when the bytes still end in the field's line end (mail-parser's
    /// decoder reads up to it, so no copy is needed).
    Encoded { bytes: &'a [u8], line_end: bool },
    /// A folded value, trimmed: unfolded when read.
    Folded(&'a str),
    /// base64 text with white space (folding) in it: removed when read.
    Spaced(&'a str),
}

impl<'a> FieldText<'a> {
    fn new(source: Source<'a>) -> Self {
        FieldText {
            source,
            normalised: OnceLock::new(),
        }
    }

    /// An `unstructured` value that contains `=?`: `bytes` is the field
    /// value, or the value followed by its line end when `line_end`.
    pub(crate) fn encoded(bytes: &'a [u8], line_end: bool) -> Self {
        Self::new(Source::Encoded { bytes, line_end })
    }

    /// A trimmed value with line ends inside, to be unfolded when read.
    pub(crate) fn folded(text: &'a str) -> Self {
        Self::new(Source::Folded(text))
    }

    /// base64 `bytes` whose white space is removed when read; `text` is
    /// the same bytes when they are UTF-8. Bytes that are not are
    /// compacted now, invalid UTF-8 replaced.
    pub(crate) fn spaced(bytes: &'a [u8], text: Option<&'a str>) -> Self {
        match text {
            Some(text) => Self::new(Source::Spaced(crate::header::trim_ws_str(text))),
            None => FieldText::from(compacted(bytes)),
        }
    }

    /// The text, normalised (on the first call for a received value; later
    /// calls return the cached text).
    pub fn as_str(&self) -> &str {
        match &self.source {
            Source::Text(text) => text,
            Source::Encoded { bytes, line_end } => self.normalised.get_or_init(|| {
                if *line_end {
                    decode_unstructured_line(bytes)
                } else {
                    decode_unstructured(bytes)
                }
            }),
            Source::Folded(text) => self
                .normalised
                .get_or_init(|| crate::header::unfold(text).into_owned()),
            Source::Spaced(text) => self.normalised.get_or_init(|| compacted(text.as_bytes())),
        }
    }

    /// The value exactly as it arrived, folding and white space kept, when
    /// it arrived as UTF-8 text that is not yet normalised; `None` for text
    /// a builder set or that the parse normalised. The certificate cache
    /// finds a certificate by this text without normalising it (D207, D218).
    pub(crate) fn as_received(&self) -> Option<&'a str> {
        match self.source {
            Source::Folded(text) | Source::Spaced(text) => Some(text),
            Source::Text(_) | Source::Encoded { .. } => None,
        }
    }

    /// Copies every borrowed part (normalising a received value first), so
    /// the text outlives the input.
    pub fn into_owned(self) -> FieldText<'static> {
        let text = match self.source {
            Source::Text(text) => text.into_owned(),
            _ => {
                self.as_str();
                self.normalised.into_inner().unwrap_or_default()
            }
        };
        FieldText::from(text)
    }

    /// Whether the text is still in its received form (for tests of the
    /// lazy normalisation).
    #[cfg(test)]
    pub(crate) fn is_unread(&self) -> bool {
        !matches!(self.source, Source::Text(_)) && self.normalised.get().is_none()
    }

    /// Whether the text borrows the input without a copy.
    #[cfg(test)]
    pub(crate) fn is_borrowed_text(&self) -> bool {
        matches!(self.source, Source::Text(Cow::Borrowed(_)))
    }
}

/// `bytes` with every ASCII white space byte removed
/// ([`crate::pem::without_ascii_whitespace`]), invalid UTF-8 replaced.
fn compacted(bytes: &[u8]) -> String {
    crate::header::string_lossy(crate::pem::without_ascii_whitespace(bytes).into_owned())
}

/// Whether the decoded and normalised text of `value` (a field value with
/// `=?` in it, as [`FieldText::as_str`] decodes it) is provably not
/// empty without decoding it; `false` means "not known" (docs/decisions.md
/// D209). mail-parser's decoder copies every byte other than space, tab,
/// CR and LF to its output, except the bytes of an encoded word it decodes;
/// it tries a word only at `=?`, and when it fails the `=` is output as text.
/// So the value is not empty when
/// - a printable ASCII byte comes before the first `=?` (copied as is), or
/// - the first `=?` starts `=?utf-8?q?` or `=?utf-8?b?` (any case, an
///   optional `*language` after the charset) and the word's first byte is
///   an ASCII letter or digit (Q: its first data byte; B: the first byte of
///   its first group of four base64 characters): either that word decodes,
///   and its text starts with that letter (mail-parser has no charset table
///   for UTF-8 and reads the bytes as UTF-8, where an ASCII byte is always
///   itself), or it fails and `=` is output.
///
/// Anything else (other charsets such as UTF-16, where a byte is not a
/// character; a word whose first byte is not a letter or digit) is "not
/// known", and the caller decodes. Only the part before the first line
/// end not followed by white space is looked at: the decoder stops there
/// (a split field has none, RFC 5322 §2.2.3).
pub(crate) fn provably_not_empty(value: &[u8]) -> bool {
    let end = memchr::memchr_iter(b'\n', value)
        .find(|&at| !matches!(value.get(at + 1), Some(b' ' | b'\t')))
        .unwrap_or(value.len());
    let value = &value[..end];
    let Some(start) = encoded_word_start(value) else {
        return false;
    };
    if value[..start].iter().any(u8::is_ascii_graphic) {
        return true;
    }
    let word = &value[start + 2..];
    let Some(question) = memchr::memchr(b'?', word) else {
        return false;
    };
    let charset_with_language = &word[..question];
    let charset = match memchr::memchr(b'*', charset_with_language) {
        Some(star) => &charset_with_language[..star],
        None => charset_with_language,
    };
    let utf8 = charset.eq_ignore_ascii_case(b"utf-8") || charset.eq_ignore_ascii_case(b"utf8");
    if !utf8 || charset_with_language.contains(&b'\n') {
        return false;
    }
    let first = match word.get(question + 1..question + 3) {
        Some([b'q' | b'Q', b'?']) => word.get(question + 3).copied(),
        Some([b'b' | b'B', b'?']) => first_base64_byte(&word[question + 3..]),
        _ => None,
    };
    first.is_some_and(|byte| byte.is_ascii_alphanumeric())
}

/// The offset of the first `=?` in `value` (where an RFC 2047 encoded word
/// may start): a `memchr` for `=`, without building a substring searcher
/// for each short value.
pub(crate) fn encoded_word_start(value: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'=', value).find(|&at| value.get(at + 1) == Some(&b'?'))
}

/// The first byte that B encoding puts into a word whose data starts with
/// four characters of the base64 alphabet (no white space, no `=`): the
/// decoder writes the three bytes of that group first.
fn first_base64_byte(data: &[u8]) -> Option<u8> {
    use base64::Engine as _;
    let group = data.get(..4)?;
    if !group
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    {
        return None;
    }
    let mut bytes = [0u8; 3];
    base64::engine::general_purpose::STANDARD
        .decode_slice(group, &mut bytes)
        .ok()?;
    Some(bytes[0])
}

impl Deref for FieldText<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for FieldText<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for FieldText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for FieldText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for FieldText<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for FieldText<'_> {}

impl PartialEq<str> for FieldText<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for FieldText<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for FieldText<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl<'a> From<Cow<'a, str>> for FieldText<'a> {
    fn from(text: Cow<'a, str>) -> Self {
        FieldText::new(Source::Text(text))
    }
}

impl<'a> From<&'a str> for FieldText<'a> {
    fn from(text: &'a str) -> Self {
        FieldText::from(Cow::Borrowed(text))
    }
}

impl From<String> for FieldText<'_> {
    fn from(text: String) -> Self {
        FieldText::from(Cow::Owned(text))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for FieldText<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for FieldText<'_> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(FieldText::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}

    // D208: envelopes and metadata are shared between threads.
    #[test]
    fn field_text_is_send_and_sync() {
        send_sync::<FieldText<'static>>();
        send_sync::<crate::metadata::Metadata<'static>>();
    }

    // D208: decoded once, on first access; equal by the decoded text.
    #[test]
    fn encoded_text_is_decoded_on_first_access_and_compares_by_text() {
        let text = FieldText::encoded(b" =?utf-8?q?Stra=C3=9Fe?=\r\n", true);
        assert!(text.is_unread());
        assert_eq!(text.as_str(), "Straße");
        assert!(!text.is_unread());
        assert_eq!(text, FieldText::from("Straße"));
        assert_eq!(text, "Straße");
        assert_eq!(text.to_string(), "Straße");
        assert_eq!(format!("{text:?}"), "\"Straße\"");
        let owned: FieldText<'static> = FieldText::encoded(b" =?utf-8?b?w6Q=?=", false).into_owned();
        assert_eq!(&*owned, "ä");
    }

    // TR 01201-3.4 §3.1.19, D209: the cases the rule proves, and the ones
    // it leaves to the decoder.
    #[test]
    fn account_holder_emptiness_rule_proves_only_what_decoding_confirms() {
        for proven in [
            &b" x =?utf-8?q?=20?="[..],
            b" =?UTF-8?Q?Stadt_Musterstadt?=",
            b" =?utf8*de?q?a?=",
            b" =?utf-8?q?a=ZZ?=",
            b" =?utf-8?B?TWF4IE3DvGxsZXI=?=",
            b" =?UTF-8?b?TWF4?=",
            b" =?utf-8?b?TWF4!?=",
        ] {
            assert!(provably_not_empty(proven), "{proven:?}");
            assert!(!decode_unstructured(proven).is_empty(), "{proven:?}");
        }
        for unknown in [
            &b" =?utf-8?q?_?="[..],
            b" =?utf-8?b?IA==?=",
            b" =?utf-8?b?ICAg?=",
            b" =?utf-8?b?TW?=",
            b" =?utf-8?b?T WF4?=",
            b" =?utf-16be?b?MAA=?=",
            b" =?utf-16?q?a?=",
            b" =?iso-8859-1?q?_a?=",
            b" =?utf-8?q?=20a?=",
            b"\r\n =?utf-8?q?_?=",
            b"\nx =?utf-8?q?_?=",
        ] {
            assert!(!provably_not_empty(unknown), "{unknown:?}");
        }
        assert!(decode_unstructured(b" =?utf-8?q?_?=").is_empty());
        // In UTF-16 a letter is half a character: `0` and NUL are U+3000,
        // the ideographic space.
        assert!(!provably_not_empty(b" =?utf-16be?q?0=00?="));
        assert!(decode_unstructured(b" =?utf-16be?q?0=00?=").is_empty());
        assert!(decode_unstructured(b" =?utf-16be?b?MAA=?=").is_empty());
        assert!(decode_unstructured(b" =?utf-8?b?ICAg?=").is_empty());
        assert!(decode_unstructured(b" =?utf-8?b?IA==?=").is_empty());
    }

    /// Pieces of a value around and inside encoded words: white space,
    /// folding, escapes of white space and controls, 8-bit bytes.
    const PIECES: [&[u8]; 27] = [
        b"=?",
        b"?=",
        b"?",
        b"=",
        b"*",
        b"_",
        b"=20",
        b"=00",
        b"=0D=0A",
        b"=09",
        b"=C2=A0",
        b"=E2=80=83",
        b"AA",
        b"IA==",
        b"CQ==",
        b"a",
        b"Z",
        b"9",
        b" ",
        b"\t",
        b"\r\n ",
        b"\n\t",
        b"\r",
        b"\n",
        b"\nX",
        b"\xff",
        b"\x00",
    ];

    /// An encoded word (or something close to one): a charset (UTF-8 in
    /// several spellings, UTF-16, Latin-1, empty), an optional language, an
    /// encoding, data from [`PIECES`], with or without its `?=`.
    fn encoded_word() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let charset = prop::sample::select(vec![
            &b"utf-8"[..],
            b"UTF-8",
            b"Utf8",
            b"utf-16",
            b"UTF-16BE",
            b"UTF-16LE",
            b"iso-8859-1",
            b"",
            b"u",
        ]);
        let language = prop::sample::select(vec![&b""[..], b"*de", b"*", b"\r\n "]);
        let encoding = prop::sample::select(vec![&b"q"[..], b"Q", b"b", b"B", b"x", b""]);
        // Data is mostly what decodes to white space or controls, so that
        // words decoding to nothing are frequent.
        let data_piece = prop::sample::select(vec![
            &b"_"[..],
            b"=20",
            b"=09",
            b"=0D=0A",
            b"=00",
            b"=C2=A0",
            b" ",
            b"\r\n ",
            b"IA==",
            b"CQ==",
            b"a",
            b"0=00",
            b"TWF4",
            b"ICAg",
            b"MAA=",
            b"4oCD",
            b"AAAA",
            b"T",
            b"?",
            b"=",
        ]);
        let data = prop::collection::vec(data_piece, 0..4);
        (charset, language, encoding, data, any::<bool>()).prop_map(|(c, l, e, d, end)| {
            let mut word = [&b"=?"[..], c, l, b"?", e, b"?"].concat();
            word.extend(d.concat());
            if end {
                word.extend_from_slice(b"?=");
            }
            word
        })
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        // RFC 2047 §2: an encoded word starts at `=?`; the memchr search
        // finds the same first one as a substring search.
        #[test]
        fn encoded_word_start_matches_a_substring_search(
            value in proptest::collection::vec(proptest::sample::select(vec![b'=', b'?', b'a', b' ']), 0..24),
        ) {
            proptest::prop_assert_eq!(encoded_word_start(&value), memchr::memmem::find(&value, b"=?"));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        // D209: whenever the rule says "not empty", the full decode agrees,
        // on values of encoded words and loose pieces (see the strategies).
        #[test]
        fn emptiness_rule_agrees_with_full_decode(
            lead in proptest::sample::select(vec![&b""[..], b" ", b"\r\n ", b"x"]),
            parts in proptest::collection::vec(proptest::prop_oneof![
                3 => encoded_word(),
                1 => proptest::sample::select(PIECES.to_vec()).prop_map(<[u8]>::to_vec),
                2 => proptest::sample::select(vec![&b" "[..], b"\t", b"\r\n "]).prop_map(<[u8]>::to_vec),
            ], 1..4)
        ) {
            let value = [lead.to_vec(), parts.concat()].concat();
            if provably_not_empty(&value) {
                proptest::prop_assert!(!decode_unstructured(&value).is_empty(), "{:?}", String::from_utf8_lossy(&value));
            }
        }
    }
}
