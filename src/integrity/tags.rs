//! The tag list of `X-de-mail-integrity` (TR 01201-3.4 §3.1.21; RFC 6376
//! §3.2, §3.5): [`IntegrityTags::parse`] reads it, and the writer used by
//! [`sign`](super::sign) folds it; the two round-trip.

use std::borrow::Cow;
use std::fmt;

use base64::Engine;

use crate::crypto::{HashAlgorithm, SignatureScheme};
use crate::fields::FieldName;
use crate::writer::{HeaderWriter, LineEnd};

use super::IntegrityError;

/// The most tags an integrity field may carry (RFC 6376 defines 14; D95).
pub const MAX_TAGS: usize = 64;

/// The most names `h=` may list ([`SIGNED_FIELDS`](super::SIGNED_FIELDS) has 20; D95).
pub const MAX_SIGNED_NAMES: usize = 64;

/// The query method of a signed integrity field (§3.1.21).
pub const QUERY_CERTIFICATE_FIELD: &str = "x-header/x-de-mail-signature-certificate";

/// The `a=` value: a hash, and a signature scheme in signed mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Algorithm {
    /// The hash function.
    pub hash: HashAlgorithm,
    /// The signature scheme; `None` in hash-only mode.
    pub signature: Option<SignatureScheme>,
}

impl Algorithm {
    /// Parses `sha256`, `sha384/ec-dsa`, ... exactly as §3.1.21 spells them.
    ///
    /// # Errors
    /// [`IntegrityError::UnsupportedAlgorithm`] for anything else.
    pub fn parse(value: &str) -> Result<Self, IntegrityError> {
        let unsupported = || IntegrityError::UnsupportedAlgorithm(value.to_owned());
        let (hash, signature) = match value.split_once('/') {
            Some((hash, scheme)) => (
                hash,
                Some(SignatureScheme::parse(scheme).ok_or_else(unsupported)?),
            ),
            None => (value, None),
        };
        Ok(Algorithm {
            hash: HashAlgorithm::parse(hash).ok_or_else(unsupported)?,
            signature,
        })
    }
}

/// The `a=` text, `sha256/rsa`.
#[cfg(feature = "serde")]
impl serde::Serialize for Algorithm {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hash.as_str())?;
        if let Some(scheme) = self.signature {
            write!(f, "/{}", scheme.as_str())?;
        }
        Ok(())
    }
}

/// The typed tag list of `X-de-mail-integrity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityTags<'a> {
    /// `v=` (RFC 6376 requires `1`; tolerated when absent).
    pub version: Option<Cow<'a, str>>,
    /// `a=`.
    pub algorithm: Algorithm,
    /// `d=`: the signing domain (informational; no DNS lookup is made).
    pub domain: Option<Cow<'a, str>>,
    /// `s=`: the selector (informational).
    pub selector: Option<Cow<'a, str>>,
    /// `h=`: the signed field names in order.
    pub headers: Vec<Cow<'a, str>>,
    /// `bh=`: the body hash, decoded.
    pub body_hash: Vec<u8>,
    /// `b=`: the signature or header hash, decoded.
    pub value: Vec<u8>,
    /// `q=`.
    pub query: Option<Cow<'a, str>>,
    /// Whether an `l=` tag was present (its value is ignored, §3.1.21).
    pub length_ignored: bool,
    /// Other tags (`i=`, `t=`, `x=`, `z=`, unknown), kept and ignored.
    pub other: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> IntegrityTags<'a> {
    /// Parses an integrity field value (folding allowed).
    ///
    /// # Errors
    /// An [`IntegrityError`] naming the tag that breaks RFC 6376 or §3.1.21.
    pub fn parse(value: &'a str) -> Result<Self, IntegrityError> {
        // At most MAX_TAGS short names: a linear scan costs less than
        // hashing each one (issue 13).
        let mut seen: Vec<&str> = Vec::with_capacity(16);
        let (mut version, mut algorithm, mut canonicalization, mut domain, mut selector) =
            (None, None, None, None, None);
        let (mut headers, mut body_hash, mut b, mut query) = (None, None, None, None);
        let mut length_ignored = false;
        let mut other = Vec::new();
        for spec in value.split(';') {
            if spec.trim().is_empty() {
                continue; // a trailing ";" is allowed
            }
            let (name, tag_value) = spec
                .split_once('=')
                .ok_or_else(|| IntegrityError::TagSyntax(spec.trim().to_owned()))?;
            let name = name.trim();
            let tag_value = tag_value.trim_matches(|c: char| c.is_ascii_whitespace());
            let valid_name = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid_name
                || tag_value
                    .bytes()
                    .any(|b| b == b';' || (!b.is_ascii_graphic() && !b.is_ascii_whitespace()))
            {
                return Err(IntegrityError::TagSyntax(spec.trim().to_owned()));
            }
            if seen.contains(&name) {
                return Err(IntegrityError::DuplicateTag(name.to_owned()));
            }
            seen.push(name);
            if seen.len() > MAX_TAGS {
                return Err(IntegrityError::TooManyEntries {
                    what: "the tag list",
                    max: MAX_TAGS,
                });
            }
            let raw_value: &'a str = tag_value;
            let tag_value = Cow::Borrowed(tag_value);
            match name {
                "v" => version = Some(tag_value),
                "a" => algorithm = Some(Algorithm::parse(&tag_value)?),
                "c" => canonicalization = Some(tag_value),
                "d" => domain = Some(tag_value),
                "s" => selector = Some(tag_value),
                "h" => headers = Some(raw_value),
                "bh" => body_hash = Some(decode_base64(&tag_value, "bh")?),
                "b" => b = Some(decode_base64(&tag_value, "b")?),
                "q" => query = Some(tag_value),
                "l" => length_ignored = true,
                _ => other.push((Cow::Borrowed(name), tag_value)),
            }
        }
        if let Some(v) = &version
            && v != "1"
        {
            return Err(IntegrityError::UnsupportedVersion(v.to_string()));
        }
        let canonicalization = canonicalization.ok_or(IntegrityError::MissingTag("c"))?;
        if canonicalization != "simple/simple" {
            return Err(IntegrityError::UnsupportedCanonicalization(
                canonicalization.into_owned(),
            ));
        }
        let headers: &'a str = headers.ok_or(IntegrityError::MissingTag("h"))?;
        let headers: Vec<Cow<'a, str>> = headers
            .split(':')
            .map(|h| h.trim_matches(|c: char| c.is_ascii_whitespace()))
            .filter(|h| !h.is_empty())
            .take(MAX_SIGNED_NAMES + 1)
            .map(Cow::Borrowed)
            .collect();
        if headers.len() > MAX_SIGNED_NAMES {
            return Err(IntegrityError::TooManyEntries {
                what: "h=",
                max: MAX_SIGNED_NAMES,
            });
        }
        Ok(IntegrityTags {
            version,
            algorithm: algorithm.ok_or(IntegrityError::MissingTag("a"))?,
            domain,
            selector,
            headers,
            body_hash: body_hash.ok_or(IntegrityError::MissingTag("bh"))?,
            value: b.ok_or(IntegrityError::MissingTag("b"))?,
            query,
            length_ignored,
            other,
        })
    }
}

fn decode_base64(value: &str, tag: &'static str) -> Result<Vec<u8>, IntegrityError> {
    crate::pem::decode_base64(value).ok_or(IntegrityError::Base64(tag))
}

/// The integrity field up to and including `b=`, folded, without line end.
pub(super) fn integrity_field_without_b(
    algorithm: &Algorithm,
    domain: Option<&str>,
    selector: &str,
    signed: &[Cow<'_, str>],
    body_hash: &[u8],
) -> Vec<u8> {
    let mut tags: Vec<String> = vec!["v=1".into(), format!("a={algorithm}"), "c=simple/simple".into()];
    if let Some(domain) = domain {
        tags.push(format!("d={domain}"));
    }
    tags.push(format!("s={selector}"));
    if algorithm.signature.is_some() {
        tags.push(format!("q={QUERY_CERTIFICATE_FIELD}"));
    }
    let names: Vec<&str> = signed.iter().map(|n| n.as_ref()).collect();
    tags.push(format!("h={}", names.join(":")));
    tags.push(format!(
        "bh={}",
        base64::engine::general_purpose::STANDARD.encode(body_hash)
    ));
    tags.push("b=".into());

    let mut field = Vec::with_capacity(512);
    HeaderWriter::new(&mut field, LineEnd::Crlf).tag_list(FieldName::Integrity.written_name(), &tags);
    field
}

#[cfg(test)]
mod tests {
    use super::*;

    // TR 01201-3.4 §3.1.21: algorithm spellings
    #[test]
    fn algorithm_spellings_of_3_1_21() {
        assert_eq!(Algorithm::parse("sha256").unwrap().signature, None);
        let a = Algorithm::parse("sha384/ec-dsa").unwrap();
        assert_eq!(
            (a.hash, a.signature),
            (HashAlgorithm::Sha384, Some(SignatureScheme::EcDsa))
        );
        assert_eq!(
            Algorithm::parse("sha512/rsassa-pss").unwrap().to_string(),
            "sha512/rsassa-pss"
        );
        for bad in ["sha1", "sha1/rsa", "rsa-sha256", "sha256/dsa", "SHA256", ""] {
            assert!(
                matches!(
                    Algorithm::parse(bad),
                    Err(IntegrityError::UnsupportedAlgorithm(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn tag_list_parses_with_folding_and_keeps_unknown_tags() {
        let value = "v=1; a=sha256/rsa; c=simple/simple; d=x.de;\r\n s=demail; q=x-header/x-de-mail-signature-certificate;\r\n h=From:Date\r\n :Subject; x_new=1; l=10; bh=AAAA; b=AA\r\n AA;";
        let tags = IntegrityTags::parse(value).unwrap();
        assert_eq!(tags.headers, vec!["From", "Date", "Subject"]);
        assert_eq!(tags.value, vec![0, 0, 0]);
        assert!(tags.length_ignored);
        assert_eq!(tags.other, vec![(Cow::Borrowed("x_new"), Cow::Borrowed("1"))]);
    }

    // RFC 6376 §3.2; TR 01201-3.4 §3.1.21 c=simple/simple
    #[test]
    fn tag_list_errors_are_typed() {
        let base = "a=sha256; c=simple/simple; h=From; bh=AAAA; b=AAAA";
        assert!(IntegrityTags::parse(base).is_ok());
        assert_eq!(
            IntegrityTags::parse(&format!("{base}; a=sha256")),
            Err(IntegrityError::DuplicateTag("a".into()))
        );
        assert!(matches!(
            IntegrityTags::parse(&base.replace("simple/simple", "relaxed/simple")),
            Err(IntegrityError::UnsupportedCanonicalization(_))
        ));
        assert_eq!(
            IntegrityTags::parse(&base.replace("b=AAAA", "b=!!")),
            Err(IntegrityError::Base64("b"))
        );
        assert_eq!(
            IntegrityTags::parse("a=sha256; c=simple/simple; h=From; b=AAAA"),
            Err(IntegrityError::MissingTag("bh"))
        );
        assert!(matches!(
            IntegrityTags::parse("a sha256"),
            Err(IntegrityError::TagSyntax(_))
        ));
        assert!(matches!(
            IntegrityTags::parse(&format!("v=2; {base}")),
            Err(IntegrityError::UnsupportedVersion(_))
        ));
    }

    // TR 01201-3.4 §3.1.21, RFC 6376 §3.2: what the writer folds, the parser reads back
    #[test]
    fn written_tag_list_parses_back_to_the_same_tags() {
        let algorithm = Algorithm::parse("sha384/ec-dsa").unwrap();
        let names: Vec<Cow<'_, str>> = super::super::SIGNED_FIELDS
            .iter()
            .map(|name| Cow::Borrowed(name.as_str()))
            .collect();
        let (body_hash, value) = (vec![7u8; 48], vec![9u8; 96]);
        let mut field =
            integrity_field_without_b(&algorithm, Some("provider.de"), "demail", &names, &body_hash);
        HeaderWriter::new(&mut field, LineEnd::Crlf)
            .base64_continued(&base64::engine::general_purpose::STANDARD.encode(&value));
        let text = String::from_utf8(field).unwrap();
        assert!(text.split("\r\n").all(|line| line.len() <= 78), "{text}");
        let (name, list) = text.split_once(':').unwrap();
        assert_eq!(name, FieldName::Integrity.written_name());
        let tags = IntegrityTags::parse(list).unwrap();
        assert_eq!(tags.version.as_deref(), Some("1"));
        assert_eq!(tags.algorithm, algorithm);
        assert_eq!(tags.domain.as_deref(), Some("provider.de"));
        assert_eq!(tags.selector.as_deref(), Some("demail"));
        assert_eq!(tags.query.as_deref(), Some(QUERY_CERTIFICATE_FIELD));
        assert_eq!(tags.headers, names);
        assert_eq!((tags.body_hash, tags.value), (body_hash, value));
        assert!(!tags.length_ignored && tags.other.is_empty());
    }
}
