//! The integrity field `X-de-mail-integrity` (Hashwert / Signatur,
//! TR 01201-3.4 §3.1.13, §3.1.21): a DKIM tag list (RFC 6376) with the De-Mail
//! deviations, its canonical input, and signing.
//!
//! - `c=simple/simple` only; `l=` is ignored; `a=` is `sha256` (hash only) or
//!   `sha256/rsa`, `sha384/ec-dsa`, `sha512/rsassa-pss`... (§3.1.21).
//! - `h=` lists the mandated fields in the mandated order ([`SIGNED_FIELDS`]).
//! - Where a field occurs more than once, the **first from the top** is
//!   hashed (§3.1.21), unlike RFC 6376 §5.4.2, which goes bottom-up.
//! - In hash-only mode `b=` is the base64 hash of the header input (the data
//!   that would have been signed); signed mode adds
//!   `q=x-header/x-de-mail-signature-certificate` and the certificate field.
//!
//! Everything is computed over the exact bytes kept by the
//! [`Envelope`]; headers are never re-serialized
//! before hashing. Verification is in [`crate::verify`](mod@crate::verify).
//!
//! ```
//! use demail::integrity::{sign, SignOptions};
//! use demail::envelope::Envelope;
//! use demail::verify::{verify, VerifyOptions, Verdict};
//!
//! let raw = std::fs::read("tests/data/normal-minimal.eml")?;
//! let hashed = sign(&raw, &SignOptions::hash_only())?;      // a=sha256, no key
//! let envelope = Envelope::parse(&hashed)?;
//! let report = verify(&envelope, &VerifyOptions::default());
//! assert_eq!(report.verdict, Verdict::Pass);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use base64::Engine;

use crate::certificate::Certificate;
use crate::crypto::{CryptoError, HashAlgorithm, SignatureScheme, SigningKey};
use crate::envelope::Envelope;
use crate::fields::FieldName;
use crate::header::{HeaderError, RawField, trim_ws};
use crate::writer::{HeaderWriter, LineEnd};

/// The most tags an integrity field may carry (RFC 6376 defines 14; D95).
pub const MAX_TAGS: usize = 64;

/// The most names `h=` may list ([`SIGNED_FIELDS`] has 20; D95).
pub const MAX_SIGNED_NAMES: usize = 64;

/// The fields `h=` must list, in this order (§3.1.21). `X-de-mail-private-id`
/// is listed only when the message has it.
pub const SIGNED_FIELDS: [FieldName; 20] = FieldName::SIGNED;

/// The query method of a signed integrity field (§3.1.21).
pub const QUERY_CERTIFICATE_FIELD: &str = "x-header/x-de-mail-signature-certificate";

/// Why an integrity field could not be read, or a message not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError {
    /// The tag list breaks RFC 6376 §3.2.
    #[error("malformed tag list at `{0}` (RFC 6376 §3.2)")]
    TagSyntax(String),
    /// A tag occurs twice (RFC 6376 §3.2: the whole list is invalid).
    #[error("tag `{0}=` occurs more than once (RFC 6376 §3.2)")]
    DuplicateTag(String),
    /// More tags, or more `h=` names, than a De-Mail integrity field can
    /// need ([`MAX_TAGS`], [`MAX_SIGNED_NAMES`]; §3.1.21 lists 20 signed
    /// fields): refused before any work grows with them (D95).
    #[error("{what} has more than {max} entries (TR 01201-3.4 §3.1.21; bounded, D95)")]
    TooManyEntries {
        /// `tags` or `h=`.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// A required tag is missing.
    #[error("tag `{0}=` is missing (RFC 6376 §3.5, TR 01201-3.4 §3.1.21)")]
    MissingTag(&'static str),
    /// `v=` is not `1`.
    #[error("version `v={0}` is not 1 (RFC 6376 §3.5)")]
    UnsupportedVersion(String),
    /// `a=` is not an algorithm of §3.1.21 (sha1, `rsa-sha256`, ...).
    #[error("algorithm `a={0}` is not allowed (TR 01201-3.4 §3.1.21)")]
    UnsupportedAlgorithm(String),
    /// `c=` is not `simple/simple`.
    #[error("canonicalization `c={0}` is not simple/simple (TR 01201-3.4 §3.1.21)")]
    UnsupportedCanonicalization(String),
    /// `b=` or `bh=` is not base64.
    #[error("tag `{0}=` is not valid base64")]
    Base64(&'static str),
    /// The message could not be parsed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The signing key failed or does not fit the algorithm.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The message does not meet the conditions of §3.1.21 for hashing:
    /// metadata incomplete, BCC entries not split off, or not CRLF.
    #[error("not ready to be hashed (TR 01201-3.4 §3.1.21): {0}")]
    NotReady(String),
    /// A hash-only integrity field was asked for an authoritative message:
    /// any `X-de-mail-authoritative` value other than exactly `no` must be
    /// signed (TR 01201-3.1 Schritt 30; the receiver fails it with FC-04,
    /// Schritt 48; docs/decisions.md D48).
    #[error(
        "refused: X-de-mail-authoritative is `{value}`, so the message must be signed, not only hashed (TR 01201-3.1 Schritt 30, Schritt 48 FC-04)"
    )]
    UnsignedAuthoritative {
        /// The field's value as written.
        value: String,
    },
    /// The signing key does not belong to the certificate that would be
    /// written into the message.
    #[error("the signing key ({key}) does not match the certificate's public key ({certificate})")]
    KeyCertificateMismatch {
        /// The key, e.g. `EC P-256`.
        key: String,
        /// The certificate's key.
        certificate: String,
    },
}

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
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
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
            if !seen.insert(name) {
                return Err(IntegrityError::DuplicateTag(name.to_owned()));
            }
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
    let mut input = Vec::with_capacity(2048);
    let mut occurrences = field_occurrences(fields, integrity);
    for name in signed {
        let next = occurrences
            .get_mut(name.to_ascii_lowercase().as_str())
            .and_then(std::collections::VecDeque::pop_front);
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

/// How to sign a message.
#[derive(Debug)]
pub struct SignOptions<'k> {
    /// The hash function.
    pub hash: HashAlgorithm,
    /// Key, certificate and scheme for signed mode; `None` for hash-only.
    pub signer: Option<Signer<'k>>,
    /// `d=`; by default the domain of `X-de-mail-originator-provider`.
    pub domain: Option<String>,
    /// `s=` (never used for a lookup).
    pub selector: String,
}

/// The provider's key and certificate for signed mode.
#[derive(Debug)]
pub struct Signer<'k> {
    /// The private key.
    pub key: &'k SigningKey,
    /// The certificate of that key, written into the message.
    pub certificate: &'k Certificate,
    /// The scheme; must fit the key.
    pub scheme: SignatureScheme,
}

impl Signer<'_> {
    /// Checks that the key belongs to the certificate, so that no message
    /// carries a certificate its signature cannot be checked with.
    ///
    /// # Errors
    /// [`IntegrityError::KeyCertificateMismatch`].
    pub fn check_pair(&self) -> Result<(), IntegrityError> {
        let key = self.key.public_key();
        if key == self.certificate.public_key {
            return Ok(());
        }
        Err(IntegrityError::KeyCertificateMismatch {
            key: key.describe(),
            certificate: self.certificate.public_key.describe(),
        })
    }
}

impl SignOptions<'_> {
    /// Hash-only with SHA-256.
    pub fn hash_only() -> Self {
        SignOptions {
            hash: HashAlgorithm::Sha256,
            signer: None,
            domain: None,
            selector: "demail".into(),
        }
    }
}

impl<'k> SignOptions<'k> {
    /// Signed with the key's default scheme and SHA-256.
    pub fn signed(key: &'k SigningKey, certificate: &'k Certificate) -> Self {
        SignOptions {
            signer: Some(Signer {
                key,
                certificate,
                scheme: key.default_scheme(),
            }),
            ..SignOptions::hash_only()
        }
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm {
            hash: self.hash,
            signature: self.signer.as_ref().map(|s| s.scheme),
        }
    }
}

/// Adds `X-de-mail-integrity` (and, when signed, the certificate field) to a
/// message whose metadata is complete (§3.1.21). Existing integrity and
/// certificate fields are removed first, so signing twice gives one field
/// of each.
///
/// The new fields are appended after the last header field; all other
/// bytes of the message are kept exactly.
///
/// Guards every caller (the confirmation, notification and BCC builders
/// too): a hash-only field for an authoritative message is refused, and so
/// is a key that does not match the certificate.
///
/// # Errors
/// [`IntegrityError::Header`] when the message does not parse,
/// [`IntegrityError::NotReady`] when it is not ready to be hashed,
/// [`IntegrityError::UnsignedAuthoritative`] for hash-only on an
/// authoritative message, [`IntegrityError::KeyCertificateMismatch`], and
/// [`IntegrityError::Crypto`] when signing fails.
pub fn sign(message: &[u8], options: &SignOptions<'_>) -> Result<Vec<u8>, IntegrityError> {
    let envelope = Envelope::parse(message)?;
    check_ready(&envelope)?;
    match &options.signer {
        Some(signer) => signer.check_pair()?,
        None => {
            if let Some(value) = authoritative_value(&envelope) {
                return Err(IntegrityError::UnsignedAuthoritative { value });
            }
        }
    }
    let kept: Vec<RawField<'_>> = envelope
        .fields()
        .iter()
        .filter(|f| {
            !f.has_name(FieldName::Integrity.as_str())
                && !f.has_name(FieldName::SignatureCertificate.as_str())
        })
        .copied()
        .collect();

    let mut out = Vec::with_capacity(message.len() + 4096);
    for field in &kept {
        out.extend_from_slice(field.raw);
        if !field.raw.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    let signed_names: Vec<Cow<'_, str>> = SIGNED_FIELDS
        .iter()
        .filter(|name| **name != FieldName::PrivateId || envelope.field(FieldName::PrivateId).is_some())
        .map(|name| Cow::Borrowed(name.as_str()))
        .collect();
    let algorithm = options.algorithm();
    let domain = options.domain.clone().or_else(|| {
        envelope
            .metadata()
            .originator_provider
            .as_deref()
            .map(str::to_owned)
    });
    let body_hash = body_hash(envelope.body(), options.hash);
    let field = integrity_field_without_b(
        &algorithm,
        domain.as_deref(),
        &options.selector,
        &signed_names,
        &body_hash,
    );

    let integrity_raw = RawField::new(
        FieldName::Integrity.written_name(),
        &field[FieldName::Integrity.written_name().len() + 1..],
        &field,
        0,
    );
    let input = header_input(&kept, &signed_names, &integrity_raw);
    let value = match &options.signer {
        None => options.hash.digest(&input),
        Some(signer) => signer.key.sign(signer.scheme, options.hash, &input)?,
    };
    out.extend_from_slice(&field);
    let mut w = HeaderWriter::new(&mut out, LineEnd::Crlf);
    w.base64_continued(&base64::engine::general_purpose::STANDARD.encode(value));
    w.line_end();
    if let Some(signer) = &options.signer {
        w.base64(
            FieldName::SignatureCertificate.written_name(),
            &signer.certificate.to_base64(),
        );
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(envelope.body());
    Ok(out)
}

/// The conditions of §3.1.21 that a message must meet before it is hashed:
/// (1) all metadata set: every field Table 1 requires for its kind, other than
/// the integrity and certificate fields, is present and readable; (2) a
/// message with BCC recipients is split: `X-de-mail-chosen-recipient` holds
/// either no `bcc=` element or exactly one bcc recipient and nothing else;
/// (4) every line of the header section ends in CRLF.
fn check_ready(envelope: &Envelope<'_>) -> Result<(), IntegrityError> {
    use crate::validate::Rule;
    let report = envelope.validate();
    let missing: Vec<&str> = report
        .violations()
        .iter()
        .filter(|v| matches!(v.rule, Rule::RequiredField | Rule::InvalidValue))
        .filter(|v| !matches!(v.field, FieldName::Integrity | FieldName::SignatureCertificate))
        .map(|v| v.field.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(IntegrityError::NotReady(format!(
            "missing or invalid: {}",
            missing.join(", ")
        )));
    }
    if let Some(list) = &envelope.metadata().chosen_recipient {
        let bcc_copy = list.to.is_empty() && list.cc.is_empty() && list.bcc.len() == 1;
        if !list.bcc.is_empty() && !bcc_copy {
            return Err(IntegrityError::NotReady(
                "X-de-mail-chosen-recipient has bcc entries; split the message per BCC recipient first (§3.1.8)".into(),
            ));
        }
    }
    let header = &envelope.raw()[..envelope.body_offset()];
    let lf_only = header
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'\n' && (i == 0 || header[i - 1] != b'\r'));
    if lf_only {
        return Err(IntegrityError::NotReady("header lines must end in CRLF".into()));
    }
    Ok(())
}

/// The integrity field up to and including `b=`, folded, without line end.
fn integrity_field_without_b(
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

/// The first `X-de-mail-authoritative` value that is not exactly `no`, or
/// `None` when every occurrence says `no` or there is none (D48: anything
/// but `no` counts as authoritative for FC-04).
pub(crate) fn authoritative_value(envelope: &Envelope<'_>) -> Option<String> {
    envelope
        .fields()
        .iter()
        .filter(|f| f.has_name(FieldName::Authoritative.as_str()))
        .map(RawField::unfolded_value)
        .find(|value| value != "no")
        .map(Cow::into_owned)
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
